#ifndef COE_CRABBITMQ_SHIM_H
#define COE_CRABBITMQ_SHIM_H

#if __has_include(<rabbitmq-c/amqp.h>)
#include <rabbitmq-c/amqp.h>
#include <rabbitmq-c/framing.h>
#include <rabbitmq-c/tcp_socket.h>
#else
#include <amqp.h>
#include <amqp_framing.h>
#include <amqp_tcp_socket.h>
#endif

#include <poll.h>
#include <unistd.h>
#include <fcntl.h>

/// amqp_login is C-variadic, which Swift cannot call: PLAIN login with a user and a password.
static inline amqp_rpc_reply_t coe_amqp_login_plain(amqp_connection_state_t state,
                                                    const char *vhost,
                                                    int channel_max,
                                                    int frame_max,
                                                    int heartbeat,
                                                    const char *user,
                                                    const char *password) {
    return amqp_login(state, vhost, channel_max, frame_max, heartbeat,
                      AMQP_SASL_METHOD_PLAIN, user, password);
}

// Method ids are macros with casts, which Swift does not import: re-export them as constants.
static const amqp_method_number_t COE_BASIC_DELIVER = AMQP_BASIC_DELIVER_METHOD;
static const amqp_method_number_t COE_BASIC_ACK = AMQP_BASIC_ACK_METHOD;
static const amqp_method_number_t COE_BASIC_NACK = AMQP_BASIC_NACK_METHOD;
static const amqp_method_number_t COE_BASIC_RETURN = AMQP_BASIC_RETURN_METHOD;
static const amqp_method_number_t COE_BASIC_CANCEL = AMQP_BASIC_CANCEL_METHOD;
static const amqp_method_number_t COE_BASIC_GET_OK = AMQP_BASIC_GET_OK_METHOD;
static const amqp_method_number_t COE_CHANNEL_CLOSE = AMQP_CHANNEL_CLOSE_METHOD;
static const amqp_method_number_t COE_CHANNEL_CLOSE_OK = AMQP_CHANNEL_CLOSE_OK_METHOD;
static const amqp_method_number_t COE_CONNECTION_CLOSE = AMQP_CONNECTION_CLOSE_METHOD;
static const amqp_method_number_t COE_CONNECTION_CLOSE_OK = AMQP_CONNECTION_CLOSE_OK_METHOD;

#endif
