import Foundation
import HTTPTypes

/// Which address a request comes from, behind reverse proxies (login throttling and the audit log key on it).
///
/// Trusted proxies are IP addresses or CIDR ranges (`127.0.0.1`, `10.0.0.0/8`, `::1`, `fd00::/8`). When the
/// connection's peer is one of them, the client is the right-most address of `X-Forwarded-For` that is not itself a
/// trusted proxy (each proxy appends the address it saw; everything left of the last trusted hop may be made up by
/// the client); when every forwarded address is trusted, the left-most one. Otherwise the peer is the client and
/// `X-Forwarded-For` is ignored.
public enum ClientAddress {
    /// The client address of a request whose connection comes from `peer`.
    public static func resolve(peer: String?, forwardedFor: String?, trusted: [String]) -> String? {
        guard let peer, isTrusted(peer, trusted: trusted), let forwardedFor else { return peer }
        let hops = forwardedFor.split(separator: ",").map { unbracketed($0.trimmingCharacters(in: .whitespaces)) }
        var client: String?
        for hop in hops.reversed() {
            // A trusted proxy writes the hop it saw; what is not an address there is a broken chain: keep the peer.
            guard IPAddress(hop) != nil else { return client ?? peer }
            client = hop
            if !isTrusted(hop, trusted: trusted) { return hop }
        }
        return client ?? peer
    }

    /// Whether `address` is one of the trusted proxies.
    public static func isTrusted(_ address: String?, trusted: [String]) -> Bool {
        guard !trusted.isEmpty, let address, let ip = IPAddress(unbracketed(address)) else { return false }
        return trusted.contains { range in IPRange(range)?.contains(ip) ?? false }
    }

    /// Whether `text` is a valid trusted-proxy entry: an IP address or a CIDR range.
    public static func isValidProxy(_ text: String) -> Bool { IPRange(text) != nil }

    /// `[::1]` → `::1`; an IPv4 address with a port (`1.2.3.4:5678`) → the address.
    static func unbracketed(_ text: String) -> String {
        if text.hasPrefix("["), let end = text.firstIndex(of: "]") { return String(text[text.index(after: text.startIndex)..<end]) }
        if text.filter({ $0 == ":" }).count == 1, let colon = text.firstIndex(of: ":") { return String(text[..<colon]) }
        return text
    }
}

extension HTTPField.Name {
    /// The addresses a request passed through, the client's first (appended to by each proxy).
    static let xForwardedFor = HTTPField.Name("X-Forwarded-For")!
    /// `https` when the client spoke TLS to the proxy.
    static let xForwardedProto = HTTPField.Name("X-Forwarded-Proto")!
}

/// An IPv4 (4 bytes) or IPv6 (16 bytes) address; IPv4-mapped IPv6 addresses (`::ffff:1.2.3.4`) are IPv4.
struct IPAddress: Equatable {
    var bytes: [UInt8]

    init?(_ text: String) {
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            bytes = withUnsafeBytes(of: &v4) { Array($0) }
        } else if inet_pton(AF_INET6, text, &v6) == 1 {
            let all = withUnsafeBytes(of: &v6) { Array($0) }
            bytes = all[0..<12] == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff] ? Array(all[12...]) : all
        } else {
            return nil
        }
    }
}

/// An address with a prefix length (a bare address: all of its bits).
struct IPRange {
    var base: IPAddress
    var prefix: Int

    init?(_ text: String) {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: "/", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let base = IPAddress(ClientAddress.unbracketed(String(parts[0]))) else { return nil }
        var prefix = base.bytes.count * 8
        if parts.count == 2 {
            guard let bits = Int(parts[1]), bits >= 0 else { return nil }
            // `::ffff:10.0.0.0/104` is `10.0.0.0/8`.
            let mapped = base.bytes.count == 4 && parts[0].contains(":")
            let adjusted = mapped ? bits - 96 : bits
            guard (0...prefix).contains(adjusted) else { return nil }
            prefix = adjusted
        }
        self.base = base
        self.prefix = prefix
    }

    func contains(_ address: IPAddress) -> Bool {
        guard address.bytes.count == base.bytes.count else { return false }
        var left = prefix
        for (a, b) in zip(address.bytes, base.bytes) where left > 0 {
            let mask: UInt8 = left >= 8 ? 0xff : ~(0xff >> UInt8(left))
            if a & mask != b & mask { return false }
            left -= 8
        }
        return true
    }
}
