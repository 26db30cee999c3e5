import Events
import Foundation
import Instrumentation
import Logging
import ServiceContextModule
import Synchronization
import Tracing
import W3CTraceContext

/// W3C trace context (`traceparent`) carried through every hop of a proposal's story: an HTTP
/// request, the events it commits, the consumers that handle them and the events those cause.
///
/// The context lives in the task's `ServiceContext` (swift-distributed-tracing), so it follows
/// the work without being passed by hand: `EventCause` takes it when a change is saved, the
/// log metadata provider writes its ids on every line, and the consumer starts a span under the
/// event's context before its handler runs.
public enum Trace {
    public static let traceparentHeader = "traceparent"

    /// Installs the propagating tracer once per process (the swift-distributed-tracing
    /// bootstrap may run only once; tests build many services in one process).
    public static func bootstrap() {
        bootstrapped.withLock { done in
            guard !done else { return }
            InstrumentationSystem.bootstrap(PropagatingTracer())
            done = true
        }
    }

    private static let bootstrapped = Mutex(false)

    /// The `traceparent` of the work at hand, if it is traced.
    public static var currentTraceparent: String? {
        ServiceContext.current?.traceContext?.traceParentHeaderValue
    }

    /// A context continuing the first of `traceparents` that parses (malformed ones are ignored;
    /// when none parses, the work starts a trace of its own).
    public static func context(continuing traceparents: String?...) -> ServiceContext {
        var context = ServiceContext.current ?? .topLevel
        if let parsed = traceparents.lazy.compactMap({ $0.flatMap { try? TraceContext(traceParentHeaderValue: $0) } }).first {
            context.traceContext = parsed
        }
        return context
    }

    /// A new span's `traceparent` in the trace of `traceparent` (nil when that is malformed).
    public static func child(of traceparent: String) -> String? {
        guard let parent = try? TraceContext(traceParentHeaderValue: traceparent) else { return nil }
        return TraceContext(traceID: parent.traceID, spanID: .random(), flags: parent.flags, state: parent.state).traceParentHeaderValue
    }

    /// Adds `trace_id` and `span_id` to every log line written inside traced work.
    public static let metadataProvider = Logger.MetadataProvider {
        guard let trace = ServiceContext.current?.traceContext else { return [:] }
        return ["trace_id": "\(trace.traceID)", "span_id": "\(trace.spanID)"]
    }
}

private enum TraceContextKey: ServiceContextKey {
    typealias Value = TraceContext
    static var nameOverride: String? { "traceparent" }
}

extension ServiceContext {
    /// The W3C trace context of this unit of work.
    public var traceContext: TraceContext? {
        get { self[TraceContextKey.self] }
        set { self[TraceContextKey.self] = newValue }
    }
}

/// A tracer that propagates W3C trace context and records nothing itself: every span gets a
/// new span id under its parent's trace id (a new trace when there is none), so ids in logs,
/// events and AMQP headers line up across the four processes. Exporting spans is a collector's
/// job (docs/operations.md, Tracing).
public struct PropagatingTracer: Tracer {
    public init() {}

    public func startSpan<Instant: TracerInstant>(
        _ operationName: String, context: @autoclosure () -> ServiceContext, ofKind kind: SpanKind,
        at instant: @autoclosure () -> Instant, function: String, file fileID: String, line: UInt
    ) -> PropagatedSpan {
        var context = context()
        let parent = context.traceContext
        context.traceContext = TraceContext(
            traceID: parent?.traceID ?? .random(), spanID: .random(), flags: parent?.flags ?? .sampled, state: parent?.state ?? TraceState())
        return PropagatedSpan(context: context, operationName: operationName)
    }

    public func forceFlush() {}

    public func extract<Carrier, Extract: Extractor>(_ carrier: Carrier, into context: inout ServiceContext, using extractor: Extract)
    where Extract.Carrier == Carrier {
        // `tracestate` is not carried between the services, so it is not read: a malformed one
        // must not cost a valid `traceparent` (W3C Trace Context, 3.3).
        guard let value = extractor.extract(key: Trace.traceparentHeader, from: carrier),
            let parsed = try? TraceContext(traceParentHeaderValue: value)
        else { return }
        context.traceContext = parsed
    }

    public func inject<Carrier, Inject: Injector>(_ context: ServiceContext, into carrier: inout Carrier, using injector: Inject)
    where Inject.Carrier == Carrier {
        guard let trace = context.traceContext else { return }
        injector.inject(trace.traceParentHeaderValue, forKey: Trace.traceparentHeader, into: &carrier)
    }
}

/// A span that carries its context and name; it records no attributes or events.
public final class PropagatedSpan: Span {
    public let context: ServiceContext
    private let name: Mutex<String>

    init(context: ServiceContext, operationName: String) {
        self.context = context
        self.name = Mutex(operationName)
    }

    public var operationName: String {
        get { name.withLock { $0 } }
        set { name.withLock { $0 = newValue } }
    }

    public var attributes: SpanAttributes {
        get { [:] }
        set {}
    }

    public var isRecording: Bool { false }
    public func setStatus(_ status: SpanStatus) {}
    public func addEvent(_ event: SpanEvent) {}
    public func recordError<Instant: TracerInstant>(_ error: any Error, attributes: SpanAttributes, at instant: @autoclosure () -> Instant) {}
    public func addLink(_ link: SpanLink) {}
    public func end<Instant: TracerInstant>(at instant: @autoclosure () -> Instant) {}
}
