/// Server-Sent Events wire format (LF line endings).
public enum SSEFraming {
    /// `id:`, `event:` and `data:` lines and the blank line that ends the event. The data is one-line JSON.
    public static func frame(_ event: PublishedEvent) -> String {
        "id: \(event.id)\nevent: \(event.kind.rawValue)\ndata: \(event.data.replacingOccurrences(of: "\n", with: "\\n"))\n\n"
    }

    /// A comment line: keeps proxies from closing an idle stream.
    public static let heartbeat = ": heartbeat\n\n"

    /// Sent first: the client's reconnect delay.
    public static let preamble = "retry: 2000\n: connected\n\n"
}
