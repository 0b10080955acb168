import ArgumentParser

/// The `timelapser` command: server, worker, maintenance, import and benchmarks.
@main
struct Timelapser: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "timelapser",
        abstract: "Self-hosted timelapse server with background thumbnails.",
        version: BuildInfo.description,
        subcommands: [ServeCommand.self, WorkerCommand.self, ThumbnailsCommand.self, ImportCommand.self, UsersCommand.self,
                      MigrateCommand.self, BackupCommand.self, RestoreCommand.self, ExportCommand.self, BenchCommand.self],
        defaultSubcommand: ServeCommand.self
    )
}
