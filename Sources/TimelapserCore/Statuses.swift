/// A timelapse records frames while `running`; `completed` is final.
public enum TimelapseStatus: String, Sendable, Codable, CaseIterable {
    case running
    case completed
}

/// Where a thumbnail job is in its life.
public enum JobStatus: String, Sendable, Codable, CaseIterable {
    case pending
    case processing
    case completed
    case failed
    case cancelled
}

/// Job priorities, with the rank the queue orders by.
public enum JobPriority: String, Sendable, Codable, CaseIterable {
    case high
    case medium
    case low

    /// Lower is claimed first. Bulk jobs always rank after captures, whatever their priority says, so a bulk
    /// run never delays a new frame's thumbnail.
    public func rank(bulk: Bool) -> Int {
        switch (self, bulk) {
        case (_, true): 20
        case (.high, false): 0
        case (.medium, false): 10
        case (.low, false): 30
        }
    }
}

/// Whether a job was queued for one image or by a bulk run.
public enum JobType: String, Sendable, Codable, CaseIterable {
    case single
    case bulk
}

/// The state of a regenerate-all session.
public enum RegenerationStatus: String, Sendable, Codable, CaseIterable {
    case active
    case completed
    case cancelled
}

/// Where a video render is in its life: `completed`, `failed` and `cancelled` are final.
public enum VideoStatus: String, Sendable, Codable, CaseIterable {
    case queued
    case rendering
    case completed
    case failed
    case cancelled

    public var isFinal: Bool { self == .completed || self == .failed || self == .cancelled }
}

/// What asked for a video: a user, or one of a timelapse's automation triggers.
public enum VideoOrigin: String, Sendable, Codable, CaseIterable {
    case manual
    case onCompletion = "on_completion"
    case daily
    case milestone
}
