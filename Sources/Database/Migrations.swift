import Foundation
import TimelapserCore
import SQLKit

/// One schema step, registered by id and applied once, in order.
struct Migration: Sendable {
    let id: String
    let statements: [SQLQueryString]
}

enum Schema {
    static let migrations: [Migration] = [initial, maintenanceIndexes, notificationOutbox, videos, cameraOperations, storagePlanning, access,
                                              placeholders, webpVariants]

    static let initial = Migration(id: "0001_initial", statements: [
        """
        CREATE TABLE cameras (
            id \(PortableType.identity),
            name TEXT NOT NULL,
            rtsp_url TEXT,
            capture_interval_seconds INTEGER NOT NULL DEFAULT 300 CHECK (capture_interval_seconds >= 1),
            generate_thumbnails BOOLEAN NOT NULL DEFAULT TRUE,
            consecutive_failures INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            last_success_at \(PortableType.timestamp),
            last_capture_at \(PortableType.timestamp),
            created_at \(PortableType.timestamp) NOT NULL
        )
        """,
        """
        CREATE TABLE timelapses (
            id \(PortableType.identity),
            camera_id BIGINT NOT NULL REFERENCES cameras(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'completed')),
            started_at \(PortableType.timestamp) NOT NULL,
            completed_at \(PortableType.timestamp),
            image_count INTEGER NOT NULL DEFAULT 0,
            thumbnail_count INTEGER NOT NULL DEFAULT 0,
            small_count INTEGER NOT NULL DEFAULT 0,
            frame_bytes BIGINT NOT NULL DEFAULT 0,
            thumbnail_bytes BIGINT NOT NULL DEFAULT 0,
            small_bytes BIGINT NOT NULL DEFAULT 0,
            created_at \(PortableType.timestamp) NOT NULL
        )
        """,
        "CREATE INDEX idx_timelapses_camera ON timelapses(camera_id, id)",
        // At most one running timelapse per camera: the schema says it, the API maps the violation to 409.
        "CREATE UNIQUE INDEX idx_timelapses_one_running ON timelapses(camera_id) WHERE status = 'running'",
        """
        CREATE TABLE images (
            id \(PortableType.identity),
            timelapse_id BIGINT NOT NULL REFERENCES timelapses(id) ON DELETE CASCADE,
            camera_id BIGINT NOT NULL REFERENCES cameras(id) ON DELETE CASCADE,
            file_path TEXT NOT NULL,
            captured_at \(PortableType.timestamp) NOT NULL,
            day_number INTEGER NOT NULL,
            file_size BIGINT NOT NULL,
            width INTEGER NOT NULL,
            height INTEGER NOT NULL,
            thumbnail_path TEXT,
            small_path TEXT,
            thumbnail_size BIGINT,
            small_size BIGINT,
            thumbnail_generation INTEGER NOT NULL DEFAULT 0,
            small_generation INTEGER NOT NULL DEFAULT 0,
            created_at \(PortableType.timestamp) NOT NULL
        )
        """,
        // The frame name is decided once at capture; a second frame with the same name is a duplicate.
        "CREATE UNIQUE INDEX idx_images_timelapse_path ON images(timelapse_id, file_path)",
        "CREATE INDEX idx_images_timelapse_captured ON images(timelapse_id, captured_at, id)",
        "CREATE INDEX idx_images_camera_captured ON images(camera_id, captured_at, id)",
        """
        CREATE TABLE videos (
            id \(PortableType.identity),
            timelapse_id BIGINT NOT NULL REFERENCES timelapses(id) ON DELETE CASCADE,
            file_path TEXT NOT NULL,
            created_at \(PortableType.timestamp) NOT NULL
        )
        """,
        "CREATE INDEX idx_videos_timelapse ON videos(timelapse_id)",
        """
        CREATE TABLE regeneration_sessions (
            id \(PortableType.identity),
            status TEXT NOT NULL CHECK (status IN ('active', 'completed', 'cancelled')),
            force_all BOOLEAN NOT NULL,
            image_limit INTEGER,
            total INTEGER NOT NULL DEFAULT 0,
            cancel_requested BOOLEAN NOT NULL DEFAULT FALSE,
            started_at \(PortableType.timestamp) NOT NULL,
            finished_at \(PortableType.timestamp)
        )
        """,
        "CREATE UNIQUE INDEX idx_regeneration_one_active ON regeneration_sessions(status) WHERE status = 'active'",
        """
        CREATE TABLE thumbnail_generation_jobs (
            id \(PortableType.identity),
            image_id BIGINT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
            priority TEXT NOT NULL DEFAULT 'medium' CHECK (priority IN ('high', 'medium', 'low')),
            priority_rank INTEGER NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'processing', 'completed', 'failed', 'cancelled')),
            job_type TEXT NOT NULL DEFAULT 'single',
            include_smalls BOOLEAN NOT NULL DEFAULT TRUE,
            session_id BIGINT REFERENCES regeneration_sessions(id) ON DELETE SET NULL,
            created_at \(PortableType.timestamp) NOT NULL,
            run_at \(PortableType.timestamp) NOT NULL,
            started_at \(PortableType.timestamp),
            completed_at \(PortableType.timestamp),
            locked_by TEXT,
            lease_until \(PortableType.timestamp),
            attempts INTEGER NOT NULL DEFAULT 0,
            retry_count INTEGER NOT NULL DEFAULT 0,
            error_message TEXT,
            processing_time_ms INTEGER
        )
        """,
        // One active job per image: enqueue is an upsert against this index.
        "CREATE UNIQUE INDEX idx_jobs_one_active ON thumbnail_generation_jobs(image_id) WHERE status IN ('pending', 'processing')",
        "CREATE INDEX idx_jobs_claim ON thumbnail_generation_jobs(priority_rank, id) WHERE status = 'pending'",
        "CREATE INDEX idx_jobs_lease ON thumbnail_generation_jobs(lease_until) WHERE status = 'processing'",
        "CREATE INDEX idx_jobs_status_completed ON thumbnail_generation_jobs(status, completed_at)",
        "CREATE INDEX idx_jobs_image ON thumbnail_generation_jobs(image_id, id)",
        "CREATE INDEX idx_jobs_session ON thumbnail_generation_jobs(session_id, status)",
        """
        CREATE TABLE settings (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL,
            updated_at \(PortableType.timestamp) NOT NULL
        )
        """,
        """
        CREATE TABLE maintenance_state (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL,
            updated_at \(PortableType.timestamp) NOT NULL
        )
        """,
    ])
}

extension Schema {
    /// Maintenance reads a timelapse's rows in id order (verify pages, orphan scans): without this index those
    /// pages would sort the whole timelapse each time.
    static let maintenanceIndexes = Migration(id: "0002_maintenance_indexes", statements: [
        "CREATE INDEX idx_images_timelapse_id ON images(timelapse_id, id)",
    ])
}

extension Schema {
    /// Notifications between processes sharing one SQLite file (PostgreSQL has NOTIFY): a command-line tool
    /// appends, the server polls. Rows live a few minutes.
    static let notificationOutbox = Migration(id: "0003_notification_outbox", statements: [
        """
        CREATE TABLE notification_outbox (
            id \(PortableType.identity),
            channel TEXT NOT NULL,
            payload TEXT NOT NULL,
            created_at \(PortableType.timestamp) NOT NULL
        )
        """,
        "CREATE INDEX idx_notification_outbox_created ON notification_outbox(created_at)",
    ])
}

extension Schema {
    /// Rendered videos as persistent jobs (the first schema's `videos` table was never written, so it is replaced),
    /// each frame's mean luma (deflicker plans with it), and per-timelapse render automation with a record of
    /// every trigger that fired, so that none fires twice.
    static let videos = Migration(id: "0004_videos", statements: [
        "DROP TABLE videos",
        """
        CREATE TABLE videos (
            id \(PortableType.identity),
            timelapse_id BIGINT NOT NULL REFERENCES timelapses(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            version INTEGER NOT NULL,
            file_path TEXT NOT NULL,
            poster_path TEXT,
            status TEXT NOT NULL CHECK (status IN ('queued', 'rendering', 'completed', 'failed', 'cancelled')),
            origin TEXT NOT NULL,
            settings TEXT NOT NULL,
            cancel_requested BOOLEAN NOT NULL DEFAULT FALSE,
            frames_total INTEGER NOT NULL DEFAULT 0,
            frames_done INTEGER NOT NULL DEFAULT 0,
            render_fps DOUBLE PRECISION,
            eta_seconds DOUBLE PRECISION,
            frame_count INTEGER,
            first_frame_at \(PortableType.timestamp),
            last_frame_at \(PortableType.timestamp),
            fps DOUBLE PRECISION,
            duration_seconds DOUBLE PRECISION,
            size_bytes BIGINT,
            codec TEXT,
            width INTEGER,
            height INTEGER,
            error_message TEXT,
            attempts INTEGER NOT NULL DEFAULT 0,
            locked_by TEXT,
            lease_until \(PortableType.timestamp),
            created_at \(PortableType.timestamp) NOT NULL,
            started_at \(PortableType.timestamp),
            completed_at \(PortableType.timestamp),
            render_ms INTEGER
        )
        """,
        "CREATE UNIQUE INDEX idx_videos_version ON videos(timelapse_id, name, version)",
        "CREATE INDEX idx_videos_timelapse ON videos(timelapse_id, id)",
        "CREATE INDEX idx_videos_status ON videos(status, id)",
        "ALTER TABLE images ADD COLUMN mean_luma DOUBLE PRECISION",
        "ALTER TABLE timelapses ADD COLUMN video_automation TEXT",
        """
        CREATE TABLE video_automation_fires (
            timelapse_id BIGINT NOT NULL REFERENCES timelapses(id) ON DELETE CASCADE,
            trigger_key TEXT NOT NULL,
            video_id BIGINT,
            fired_at \(PortableType.timestamp) NOT NULL,
            PRIMARY KEY (timelapse_id, trigger_key)
        )
        """,
    ])
}

extension Schema {
    /// Camera operations: per-camera capture window, time zone, rotation and crop; which process owns a camera's
    /// schedule (a lease) and the last slot it captured; outages as spans; webhooks and their persisted deliveries.
    static let cameraOperations = Migration(id: "0005_camera_operations", statements: [
        "ALTER TABLE cameras ADD COLUMN capture_window TEXT",
        "ALTER TABLE cameras ADD COLUMN timezone TEXT",
        "ALTER TABLE cameras ADD COLUMN rotate INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE cameras ADD COLUMN crop TEXT",
        "ALTER TABLE cameras ADD COLUMN capture_owner TEXT",
        "ALTER TABLE cameras ADD COLUMN capture_lease_until \(PortableType.timestamp)",
        "ALTER TABLE cameras ADD COLUMN last_slot_at \(PortableType.timestamp)",
        """
        CREATE TABLE camera_outages (
            id \(PortableType.identity),
            camera_id BIGINT NOT NULL REFERENCES cameras(id) ON DELETE CASCADE,
            started_at \(PortableType.timestamp) NOT NULL,
            ended_at \(PortableType.timestamp),
            failed_grabs INTEGER NOT NULL DEFAULT 0,
            last_error TEXT
        )
        """,
        "CREATE INDEX idx_camera_outages_camera ON camera_outages(camera_id, started_at)",
        // At most one open outage per camera.
        "CREATE UNIQUE INDEX idx_camera_outages_open ON camera_outages(camera_id) WHERE ended_at IS NULL",
        """
        CREATE TABLE webhooks (
            id \(PortableType.identity),
            url TEXT NOT NULL,
            events TEXT NOT NULL,
            secret TEXT,
            enabled BOOLEAN NOT NULL DEFAULT TRUE,
            created_at \(PortableType.timestamp) NOT NULL
        )
        """,
        """
        CREATE TABLE webhook_deliveries (
            id \(PortableType.identity),
            webhook_id BIGINT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
            delivery_id TEXT NOT NULL,
            event TEXT NOT NULL,
            payload TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('pending', 'delivering', 'delivered', 'failed')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at \(PortableType.timestamp) NOT NULL,
            locked_by TEXT,
            lease_until \(PortableType.timestamp),
            last_status_code INTEGER,
            last_error TEXT,
            created_at \(PortableType.timestamp) NOT NULL,
            delivered_at \(PortableType.timestamp)
        )
        """,
        "CREATE UNIQUE INDEX idx_webhook_deliveries_id ON webhook_deliveries(delivery_id)",
        "CREATE INDEX idx_webhook_deliveries_due ON webhook_deliveries(status, next_attempt_at)",
        "CREATE INDEX idx_webhook_deliveries_webhook ON webhook_deliveries(webhook_id, id)",
    ])
}

extension Schema {
    /// Storage planning: a camera's own retention policy (JSON; null follows the default in the settings) and a
    /// record of what each retention run freed (the growth forecast nets it out).
    static let storagePlanning = Migration(id: "0006_storage_planning", statements: [
        "ALTER TABLE cameras ADD COLUMN retention TEXT",
        """
        CREATE TABLE retention_runs (
            id \(PortableType.identity),
            ran_at \(PortableType.timestamp) NOT NULL,
            frames_deleted INTEGER NOT NULL,
            bytes_freed BIGINT NOT NULL,
            videos_deleted INTEGER NOT NULL
        )
        """,
        "CREATE INDEX idx_retention_runs_ran_at ON retention_runs(ran_at)",
    ])
}

extension Schema {
    /// Users and access: accounts with a role, server-side sessions (only a hash of the cookie is stored), per-user
    /// API tokens (hashed, scoped), consecutive login failures per account and per client address, and the audit
    /// log of writes.
    static let access = Migration(id: "0007_access", statements: [
        """
        CREATE TABLE users (
            id \(PortableType.identity),
            username TEXT NOT NULL,
            password_hash TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
            totp_secret TEXT,
            created_at \(PortableType.timestamp) NOT NULL,
            password_changed_at \(PortableType.timestamp) NOT NULL
        )
        """,
        "CREATE UNIQUE INDEX idx_users_username ON users(username)",
        """
        CREATE TABLE sessions (
            id TEXT PRIMARY KEY,
            user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            created_at \(PortableType.timestamp) NOT NULL,
            last_seen_at \(PortableType.timestamp) NOT NULL,
            expires_at \(PortableType.timestamp) NOT NULL,
            address TEXT,
            user_agent TEXT
        )
        """,
        "CREATE INDEX idx_sessions_user ON sessions(user_id)",
        """
        CREATE TABLE api_tokens (
            id \(PortableType.identity),
            user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            token_hash TEXT NOT NULL,
            scopes TEXT NOT NULL,
            created_at \(PortableType.timestamp) NOT NULL,
            last_used_at \(PortableType.timestamp)
        )
        """,
        "CREATE UNIQUE INDEX idx_api_tokens_hash ON api_tokens(token_hash)",
        """
        CREATE TABLE login_failures (
            key TEXT PRIMARY KEY,
            failures INTEGER NOT NULL,
            locked_until \(PortableType.timestamp),
            updated_at \(PortableType.timestamp) NOT NULL
        )
        """,
        """
        CREATE TABLE audit_log (
            id \(PortableType.identity),
            at \(PortableType.timestamp) NOT NULL,
            user_id BIGINT,
            username TEXT,
            method TEXT NOT NULL,
            path TEXT NOT NULL,
            status INTEGER NOT NULL,
            address TEXT
        )
        """,
        "CREATE INDEX idx_audit_log_at ON audit_log(at)",
    ])
}

extension Schema {
    /// Each image's ThumbHash (base64), measured from its thumbnail's pixels when the thumbnail is made; older frames
    /// get theirs from a regeneration.
    static let placeholders = Migration(id: "0008_placeholders", statements: [
        "ALTER TABLE images ADD COLUMN thumbhash TEXT",
    ])
}

extension Schema {
    /// WebP companions of thumbnails and smalls (`variant_formats`): their size when one is written beside the JPEG
    /// (same name, `.webp`), NULL when none.
    static let webpVariants = Migration(id: "0009_webp_variants", statements: [
        "ALTER TABLE images ADD COLUMN thumbnail_webp_size BIGINT",
        "ALTER TABLE images ADD COLUMN small_webp_size BIGINT",
    ])
}
