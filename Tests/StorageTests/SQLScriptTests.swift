import Storage
import Testing

@Suite("Migration files split into statements")
struct SQLScriptTests {
    @Test func splitsAtSemicolonsOutsideQuotesBodiesAndComments() {
        let script = """
            -- a comment; with a semicolon
            CREATE TABLE a (note TEXT DEFAULT 'x;y', "odd;name" INT);
            /* block; comment */ INSERT INTO a VALUES ('it''s; fine', 1);
            CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM pg_notify('c', 'a;b');
                RETURN NULL;
            END
            $$;
            CREATE FUNCTION g() RETURNS int LANGUAGE sql AS $body$ SELECT 1; $body$;
            SELECT $1::int;
            -- trailing comment only
            """
        let statements = SQLScript.statements(script)
        #expect(statements.count == 5)
        #expect(statements[0].hasSuffix(#"CREATE TABLE a (note TEXT DEFAULT 'x;y', "odd;name" INT)"#))
        #expect(statements[1] == "/* block; comment */ INSERT INTO a VALUES ('it''s; fine', 1)")
        #expect(statements[2].contains("PERFORM pg_notify('c', 'a;b');"))
        #expect(statements[2].hasSuffix("$$"))
        #expect(statements[3] == "CREATE FUNCTION g() RETURNS int LANGUAGE sql AS $body$ SELECT 1; $body$")
        #expect(statements[4] == "SELECT $1::int")
    }
}
