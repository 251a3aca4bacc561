import CHTTPPost
import Foundation

/// One HTTP request through the system's libcurl (see Sources/CHTTPPost for why not URLSession), run on a thread
/// of its own so the caller can keep answering a stop (Ctrl-C, SIGTERM) while the request waits on the network.
public struct HTTPRequest {
    public var method = "POST"
    public var url: String
    /// Header lines in order, as (name, value).
    public var headers: [(name: String, value: String)] = []
    public var body = Data()
    public var timeout: Double = 10
    /// The response body is kept up to this many bytes.
    public var bodyCap = 64 * 1024

    public init(url: String) { self.url = url }

    public struct Response {
        public let status: Int
        public let body: String
        public let truncated: Bool
    }

    /// Why no response came.
    public enum Failure: Error {
        case unavailable(String)
        case connect(String)
        case timeout(String)
        case other(String)
    }

    /// Sends the request. `shouldStop` is asked every 50 ms while it runs; when it throws, the request is
    /// aborted and the error is rethrown once the request has let go of its buffers.
    public func send(shouldStop: () throws -> Void = {}) throws -> Result<Response, Failure> {
        let job = Job(self)
        let done = DispatchSemaphore(value: 0)
        let thread = Thread { job.run(); done.signal() }
        thread.stackSize = 1 << 20
        thread.start()
        while done.wait(timeout: .now() + .milliseconds(50)) == .timedOut {
            do {
                try shouldStop()
            } catch {
                job.abort.pointee = 1
                done.wait()
                throw error
            }
        }
        return job.outcome!
    }

    /// The request's state shared with its thread; `abort` is read by libcurl's progress callback.
    private final class Job: @unchecked Sendable {
        let request: HTTPRequest
        let abort = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
        var outcome: Result<Response, Failure>?

        init(_ request: HTTPRequest) {
            self.request = request
            abort.initialize(to: 0)
        }
        deinit { abort.deallocate() }

        func run() {
            // "Name:" with nothing after it tells libcurl not to send a header it would add itself.
            let lines = request.headers.map { $0.value.isEmpty ? "\($0.name):" : "\($0.name): \($0.value)" }
            var cLines = lines.map { strdup($0) }
            defer { cLines.forEach { free($0) } }
            var result = platflow_http_result()
            request.body.withUnsafeBytes { raw in
                cLines.withUnsafeMutableBufferPointer { ptrs in
                    ptrs.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: max(1, ptrs.count)) { headerArray in
                        platflow_http_request(request.method, request.url, ptrs.isEmpty ? nil : headerArray, lines.count,
                                              raw.baseAddress?.assumingMemoryBound(to: CChar.self), raw.count,
                                              max(1, Int(request.timeout * 1000)), request.bodyCap, abort, &result)
                    }
                }
            }
            defer { platflow_http_free(&result) }
            let message = withUnsafeBytes(of: result.message) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            switch Int(result.transport_error) {
            case PLATFLOW_HTTP_OK:
                let body = result.body.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: result.body_length), as: UTF8.self) } ?? ""
                outcome = .success(Response(status: result.status, body: body, truncated: result.body_truncated != 0))
            case PLATFLOW_HTTP_UNAVAILABLE: outcome = .failure(.unavailable(message))
            case PLATFLOW_HTTP_CONNECT: outcome = .failure(.connect(message))
            case PLATFLOW_HTTP_TIMEOUT: outcome = .failure(.timeout(message))
            default: outcome = .failure(.other(message))
            }
        }
    }
}
