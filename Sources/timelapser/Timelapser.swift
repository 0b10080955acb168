import ArgumentParser
@main struct Timelapser: AsyncParsableCommand {
    func run() async throws {}
}
