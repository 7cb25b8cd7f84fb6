import Foundation

/// A parsed absolute http(s) URL, the only kind this client talks to.
package struct HTTPURL: Sendable, Hashable, CustomStringConvertible {
    package let scheme: String
    package let host: String
    package let port: Int
    /// The path, percent-encoded as given (empty, or starting with `/`).
    package let path: String
    /// The query without `?`, if any.
    package let query: String?

    package init?(_ string: String) {
        guard let c = URLComponents(string: string),
            let scheme = c.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = c.host, !host.isEmpty,
            c.user == nil, c.password == nil
        else { return nil }
        self.scheme = scheme
        self.host = host.lowercased()
        self.port = c.port ?? (scheme == "https" ? 443 : 80)
        let p = c.percentEncodedPath
        self.path = p == "/" ? "" : p
        self.query = c.percentEncodedQuery
    }

    private init(scheme: String, host: String, port: Int, path: String, query: String?) {
        self.scheme = scheme
        self.host = host
        self.port = port
        self.path = path
        self.query = query
    }

    /// `host:port`, used to compare origins.
    package var authority: String { "\(host):\(port)" }
    package var isHTTPS: Bool { scheme == "https" }

    package var description: String {
        let defaultPort = scheme == "https" ? 443 : 80
        let hostPart = host.contains(":") ? "[\(host)]" : host
        let portPart = port == defaultPort ? "" : ":\(port)"
        return "\(scheme)://\(hostPart)\(portPart)\(path)" + (query.map { "?" + $0 } ?? "")
    }

    /// This URL with `segments` appended to the path (each must already be URL-safe).
    package func appending(_ segments: [String], query: String? = nil) -> HTTPURL {
        var p = path
        while p.hasSuffix("/") { p.removeLast() }
        for s in segments { p += "/" + s }
        return HTTPURL(scheme: scheme, host: host, port: port, path: p, query: query)
    }

    /// This URL with its query replaced.
    package func withQuery(_ query: String?) -> HTTPURL {
        HTTPURL(scheme: scheme, host: host, port: port, path: path, query: query)
    }

    /// Resolves a `Location` header against this URL.
    package func resolving(_ reference: String) -> HTTPURL? {
        guard let base = URL(string: description), let u = URL(string: reference, relativeTo: base)?.absoluteURL else {
            return nil
        }
        return HTTPURL(u.absoluteString)
    }
}
