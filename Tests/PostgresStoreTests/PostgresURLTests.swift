import PostgresStore
import TestSupport
import Testing

struct PostgresURLTests {
    @Test func aURLIsReadAsLibpqReadsIt() throws {
        let url = try PostgresURL("postgres://queue%40ops:p%40ss:w0rd@db.internal:6543/groqbatch?sslmode=require")
        #expect(url.username == "queue@ops")
        #expect(url.password == "p@ss:w0rd")
        #expect(url.host == "db.internal" && url.port == 6543 && url.database == "groqbatch" && url.tls == .require)
        let plain = try PostgresURL("postgresql://me@localhost/q")
        #expect(plain.port == 5432 && plain.password == nil && plain.tls == .prefer)
    }

    @Test func thePasswordIsNeverPrinted() throws {
        let url = try PostgresURL("postgres://me:s3cret-pass@db:5432/q?sslmode=verify-full")
        #expect(url.description == "postgres://me:***@db:5432/q?sslmode=verify-full")
        #expect(!"\(url)".contains("s3cret"))
        #expect(PostgresURL.redacting("cannot open postgres://me:s3cret@db/q: refused") == "cannot open postgres://me:***@db/q: refused")
        for bad in [
            "postgres://me:s3cret@/q", "postgres://:s3cret@db/q", "postgres://me:s3cret@db/", "postgres://me:s3cret@db/q?sslmode=maybe",
            "postgres://me:s3cret@db/q?pool=9",
        ] {
            #expect(throws: PostgresURL.Problem.self) { try PostgresURL(bad) }
            do { _ = try PostgresURL(bad) } catch { #expect(!error.description.contains("s3cret"), "\(error)") }
        }
    }

    @Test func onlyPostgresSchemesArePostgres() {
        #expect(PostgresURL.isPostgres("postgres://a@b/c") && PostgresURL.isPostgres("postgresql://a@b/c"))
        #expect(!PostgresURL.isPostgres("queue.sqlite") && !PostgresURL.isPostgres("/var/lib/postgres/queue.sqlite"))
    }
}
