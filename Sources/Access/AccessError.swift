/// Why an access operation was refused; HTTPAPI maps each to a status.
public enum AccessError: Error, Sendable, Equatable {
    /// Wrong user name or password (the same answer for both), or a wrong or missing one-time code.
    case invalidCredentials
    /// Too many failures in a row for this account or client address: try again after this many seconds.
    case throttled(retryAfterSeconds: Int)
    case invalidField(field: String, message: String)
    case userExists(String)
    case userNotFound(Int64)
    case tokenNotFound(Int64)
    /// The last admin cannot be deleted or demoted.
    case lastAdmin
}
