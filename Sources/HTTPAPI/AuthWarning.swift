import TimelapserCore

/// The warning of a server that anyone on the network may use: no authentication on an address other than loopback.
public enum AuthWarning {
    public static func text(mode: AuthMode, host: String) -> String? {
        guard mode == .none, !["127.0.0.1", "::1", "localhost"].contains(host) else { return nil }
        return "NO AUTHENTICATION on \(host): anyone who can reach this port sees every camera and may change and delete "
            + "everything. Start with --auth users (see the README) or listen on 127.0.0.1."
    }
}
