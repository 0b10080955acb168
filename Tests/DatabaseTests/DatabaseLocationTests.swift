import Database
import Testing

@Suite struct DatabaseLocationTests {
    @Test func databaseURLs() throws {
        #expect(try DatabaseLocation(url: "sqlite:///var/lib/t.sqlite") == .sqlite(path: "/var/lib/t.sqlite"))
        let pg = try DatabaseLocation(url: "postgres://tl:pw@db.example:6543/timelapser")
        #expect(pg == .postgres(host: "db.example", port: 6543, user: "tl", password: "pw", database: "timelapser", socketPath: nil))
        #expect(pg.engine == .postgresql)
        #expect(throws: DatabaseError.self) { try DatabaseLocation(url: "mysql://x") }
    }
}
