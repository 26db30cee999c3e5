import PostgresNIO

/// Tells passing database trouble (a lost connection, a deadlock) from a mistake that will fail again.
public enum DatabaseFailure {
    /// The error that a transaction closure threw, or the error itself.
    public static func underlying(_ error: any Error) -> any Error {
        if let transaction = error as? PostgresTransactionError {
            if let closure = transaction.closureError { return underlying(closure) }
            if let begin = transaction.beginError { return begin }
            if let commit = transaction.commitError { return commit }
        }
        return error
    }

    /// True when the same work may well succeed later without any change: the database
    /// went away, the pool closed, or PostgreSQL asked to retry (serialization failure, deadlock).
    public static func isTransient(_ error: any Error) -> Bool {
        if error is DatabaseUnavailable { return true }
        if let transaction = error as? PostgresTransactionError {
            if transaction.beginError != nil || transaction.commitError != nil { return true }
            if let closure = transaction.closureError { return isTransient(closure) }
            return false
        }
        guard let psql = error as? PSQLError else { return false }
        switch psql.code {
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .poolClosed, .queryCancelled:
            return true
        case .server:
            guard let state = psql.serverInfo?[.sqlState] else { return false }
            // 40xxx: transaction rollback (serialization, deadlock); 57P0x: server shutting down; 08xxx: connection.
            return state.hasPrefix("40") || state.hasPrefix("57P0") || state.hasPrefix("08") || state == "53300"
        default:
            return false
        }
    }

    /// The SQLSTATE of a server error, when there is one.
    public static func sqlState(_ error: any Error) -> String? {
        (underlying(error) as? PSQLError)?.serverInfo?[.sqlState]
    }
}
