//! The schema, as numbered migrations applied forward on open. SQLite's
//! `user_version` holds the number of migrations applied. Before the first
//! migration of an existing file, a copy is taken beside it
//! (`FILE.before-vN`); a file whose version is newer than this program
//! knows is refused, never touched.

use std::path::Path;

use rusqlite::Connection;

use crate::StoreError;

/// Migration `i` brings the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    // 1: the ledger.
    "
    CREATE TABLE batches (
        batch_id TEXT PRIMARY KEY,
        seq INTEGER NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        actor TEXT NOT NULL,
        as_of TEXT,
        invoices_file TEXT NOT NULL,
        invoices_sha256 TEXT NOT NULL,
        receipts_new INTEGER NOT NULL,
        receipts_already INTEGER NOT NULL,
        confirmed_at TEXT
    );
    CREATE TABLE files (
        file_id INTEGER PRIMARY KEY,
        batch_id TEXT NOT NULL REFERENCES batches(batch_id),
        name TEXT NOT NULL,
        format TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        normalised_sha256 TEXT NOT NULL,
        size INTEGER NOT NULL,
        receipts_new INTEGER NOT NULL,
        receipts_already INTEGER NOT NULL,
        warnings TEXT NOT NULL
    );
    CREATE TABLE statements (
        seq INTEGER PRIMARY KEY,
        identity TEXT NOT NULL,
        account TEXT NOT NULL,
        file_id INTEGER NOT NULL REFERENCES files(file_id),
        opening TEXT,
        closing TEXT
    );
    CREATE INDEX statements_by_identity ON statements(identity);
    CREATE INDEX statements_by_account ON statements(account, seq);
    CREATE INDEX files_by_sha256 ON files(sha256);
    CREATE INDEX files_by_normalised ON files(normalised_sha256);
    CREATE TABLE receipts (
        seq INTEGER PRIMARY KEY,
        receipt_id TEXT NOT NULL UNIQUE,
        batch_id TEXT NOT NULL REFERENCES batches(batch_id),
        file_id INTEGER NOT NULL REFERENCES files(file_id),
        occurrence INTEGER NOT NULL,
        bank_ref TEXT NOT NULL,
        format TEXT NOT NULL,
        account TEXT NOT NULL,
        value_date TEXT NOT NULL,
        currency TEXT NOT NULL,
        amount TEXT NOT NULL,
        payer_name TEXT NOT NULL,
        customer_id TEXT NOT NULL,
        status TEXT NOT NULL,
        remittance TEXT NOT NULL
    );
    CREATE TABLE postings (
        seq INTEGER PRIMARY KEY,
        posting_id TEXT NOT NULL UNIQUE,
        batch_id TEXT REFERENCES batches(batch_id),
        receipt_id TEXT NOT NULL REFERENCES receipts(receipt_id),
        customer_id TEXT NOT NULL,
        invoice_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        amount TEXT NOT NULL,
        rule TEXT NOT NULL,
        confidence TEXT NOT NULL,
        reverses TEXT REFERENCES postings(posting_id),
        reason TEXT NOT NULL,
        actor TEXT,
        created_at TEXT,
        confirmed_at TEXT
    );
    CREATE INDEX postings_by_receipt ON postings(receipt_id);
    CREATE INDEX postings_unconfirmed ON postings(seq) WHERE confirmed_at IS NULL;
    CREATE UNIQUE INDEX postings_reversed_once ON postings(reverses) WHERE reverses IS NOT NULL;
    CREATE TABLE invoices (
        customer_id TEXT NOT NULL,
        invoice_id TEXT NOT NULL,
        currency TEXT NOT NULL,
        amount_open TEXT NOT NULL,
        status TEXT NOT NULL,
        in_file INTEGER NOT NULL,
        PRIMARY KEY (customer_id, invoice_id)
    ) WITHOUT ROWID;
    CREATE TABLE invoice_history (
        seq INTEGER PRIMARY KEY,
        customer_id TEXT NOT NULL,
        invoice_id TEXT NOT NULL,
        batch_id TEXT NOT NULL REFERENCES batches(batch_id),
        event TEXT NOT NULL,
        amount_open TEXT NOT NULL,
        status TEXT NOT NULL
    );
    CREATE INDEX invoice_history_by_invoice ON invoice_history(invoice_id, customer_id);
    CREATE TABLE exceptions (
        seq INTEGER PRIMARY KEY,
        exception_id TEXT NOT NULL UNIQUE,
        problem TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        receipt_id TEXT NOT NULL,
        bank_ref TEXT NOT NULL,
        customer_id TEXT NOT NULL,
        invoice_id TEXT NOT NULL,
        amount TEXT NOT NULL,
        suggestions TEXT NOT NULL,
        detail TEXT NOT NULL,
        currency TEXT NOT NULL,
        value_date TEXT NOT NULL,
        payer_name TEXT NOT NULL,
        customer_name TEXT NOT NULL,
        status TEXT NOT NULL,
        batch_id TEXT NOT NULL REFERENCES batches(batch_id)
    );
    CREATE INDEX exceptions_open ON exceptions(status, kind);
    CREATE TABLE events (
        seq INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        object_kind TEXT NOT NULL,
        object_id TEXT NOT NULL,
        action TEXT NOT NULL,
        detail TEXT NOT NULL,
        batch_id TEXT
    );
    CREATE INDEX events_by_object ON events(object_kind, object_id);
    ",
    // 2: the coordinators' workbench (CONTRACT §7): people, sign-in
    // sessions and API tokens, what people did to each exception (with
    // approvals and undo), who owns it and until when it sleeps, and the
    // rules learned from resolutions.
    "
    CREATE TABLE users (
        user_id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        role TEXT NOT NULL CHECK (role IN ('assistant', 'coordinator', 'manager')),
        password_hash TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE sessions (
        token_sha256 TEXT PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users(user_id),
        csrf TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE api_tokens (
        token_sha256 TEXT PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users(user_id),
        created_at TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE exception_work (
        exception_id TEXT PRIMARY KEY REFERENCES exceptions(exception_id),
        owner TEXT,
        snoozed_until TEXT
    ) WITHOUT ROWID;
    CREATE INDEX exception_work_by_owner ON exception_work(owner);
    CREATE TABLE exception_actions (
        action_id INTEGER PRIMARY KEY,
        exception_id TEXT NOT NULL REFERENCES exceptions(exception_id),
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        detail TEXT NOT NULL,
        payload TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('done', 'awaiting_approval', 'rejected', 'undone')),
        status_before TEXT NOT NULL,
        work_before TEXT NOT NULL,
        postings TEXT NOT NULL,
        undoes INTEGER REFERENCES exception_actions(action_id),
        approved_by TEXT,
        approved_at TEXT
    );
    CREATE INDEX exception_actions_by_exception ON exception_actions(exception_id, action_id);
    CREATE INDEX exception_actions_awaiting ON exception_actions(exception_id) WHERE state = 'awaiting_approval';
    CREATE TABLE learned_rules (
        rule_id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('payer_name')),
        pattern TEXT NOT NULL,
        customer_id TEXT NOT NULL,
        origin TEXT NOT NULL,
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        enabled INTEGER NOT NULL DEFAULT 1,
        fired INTEGER NOT NULL DEFAULT 0,
        last_fired_at TEXT,
        UNIQUE (kind, pattern)
    );
    CREATE INDEX exceptions_queue ON exceptions(status, value_date, exception_id);
    ",
    // 3: receivables follow-up (CONTRACT §8): the invoices' dates and
    // original amount as the ERP's file last showed them (null on rows
    // written before this migration until a run sees the invoice again),
    // the reminders sent (so the next level follows) and customers'
    // promises to pay.
    "
    ALTER TABLE invoices ADD COLUMN invoice_date TEXT;
    ALTER TABLE invoices ADD COLUMN due_date TEXT;
    ALTER TABLE invoices ADD COLUMN amount_original TEXT;
    CREATE INDEX invoices_undated ON invoices(customer_id) WHERE invoice_date IS NULL AND in_file = 1;
    CREATE TABLE reminders (
        reminder_id INTEGER PRIMARY KEY,
        customer_id TEXT NOT NULL,
        currency TEXT NOT NULL,
        level INTEGER NOT NULL CHECK (level > 0),
        invoices TEXT NOT NULL,
        total TEXT NOT NULL,
        as_of TEXT NOT NULL,
        sent_at TEXT NOT NULL,
        actor TEXT NOT NULL,
        file TEXT NOT NULL
    );
    CREATE INDEX reminders_by_customer ON reminders(customer_id, currency, level);
    CREATE TABLE promises (
        promise_id INTEGER PRIMARY KEY,
        customer_id TEXT NOT NULL,
        currency TEXT NOT NULL,
        amount TEXT NOT NULL,
        promised_date TEXT NOT NULL,
        made_on TEXT NOT NULL,
        note TEXT NOT NULL,
        created_at TEXT NOT NULL,
        actor TEXT NOT NULL
    );
    CREATE INDEX promises_by_customer ON promises(customer_id, currency);
    ",
    // 4: the workbench, continued: the evidence behind each candidate of an
    // exception and the rule that decided (written by `run` with the
    // exception), people's saved queue views, and the customers' e-mail
    // addresses (the optional `email` column of `customers.csv`).
    "
    CREATE TABLE exception_evidence (
        exception_id TEXT PRIMARY KEY REFERENCES exceptions(exception_id),
        decided_by TEXT NOT NULL,
        candidates TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE saved_views (
        view_id INTEGER PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users(user_id),
        name TEXT NOT NULL,
        query TEXT NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (user_id, name)
    );
    CREATE TABLE customer_contacts (
        customer_id TEXT PRIMARY KEY,
        email TEXT NOT NULL,
        batch_id TEXT NOT NULL REFERENCES batches(batch_id)
    ) WITHOUT ROWID;
    ",
    // 5: two more kinds of learned rule (issue 12 item 7): a reference
    // shape → a customer, and a deduction reason → a write-off code (kept
    // in `write_off_code`; `customer_id` is '' for that kind). SQLite
    // changes a CHECK only by rebuilding the table: rows and ids are
    // copied as they are. The deduction reasons a receipt's remittance
    // gave are kept with its exceptions' evidence (a JSON array of
    // normalised reasons), so a resolution can learn from them.
    "
    CREATE TABLE learned_rules_v5 (
        rule_id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('payer_name', 'reference_shape', 'deduction_reason')),
        pattern TEXT NOT NULL,
        customer_id TEXT NOT NULL,
        write_off_code TEXT NOT NULL DEFAULT '',
        origin TEXT NOT NULL,
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        enabled INTEGER NOT NULL DEFAULT 1,
        fired INTEGER NOT NULL DEFAULT 0,
        last_fired_at TEXT,
        UNIQUE (kind, pattern),
        CHECK ((kind = 'deduction_reason') = (write_off_code <> '')),
        CHECK ((kind = 'deduction_reason') = (customer_id = ''))
    );
    INSERT INTO learned_rules_v5 (rule_id, kind, pattern, customer_id, origin, created_by, created_at, enabled, fired, last_fired_at)
        SELECT rule_id, kind, pattern, customer_id, origin, created_by, created_at, enabled, fired, last_fired_at
        FROM learned_rules;
    DROP TABLE learned_rules;
    ALTER TABLE learned_rules_v5 RENAME TO learned_rules;
    ALTER TABLE exception_evidence ADD COLUMN deduction_reasons TEXT NOT NULL DEFAULT '[]';
    ",
    // 6: a run's rows go to the end of their indexes. Content-hash ids
    // (`R…`, `E…`) are random, so an index keyed by one takes each new row
    // on a random page: a run of 100,000 receipts rewrote nearly every page
    // of such an index. Postings now find their receipt by its `seq` (new
    // receipts take ever larger ones), and an exception's evidence is kept
    // under the exception's `seq`; the text ids stay on every row. The
    // lines no batch carries yet (people's, until the next run) get their
    // own small index: finding them scanned every posting.
    "
    ALTER TABLE postings ADD COLUMN receipt_seq INTEGER REFERENCES receipts(seq);
    UPDATE postings SET receipt_seq = (SELECT r.seq FROM receipts r WHERE r.receipt_id = postings.receipt_id);
    DROP INDEX postings_by_receipt;
    CREATE INDEX postings_by_receipt_seq ON postings(receipt_seq);
    CREATE INDEX postings_pending ON postings(seq) WHERE batch_id IS NULL;
    CREATE TABLE exception_evidence_by_seq (
        exception_seq INTEGER PRIMARY KEY REFERENCES exceptions(seq),
        decided_by TEXT NOT NULL,
        candidates TEXT NOT NULL,
        deduction_reasons TEXT NOT NULL DEFAULT '[]'
    );
    INSERT INTO exception_evidence_by_seq (exception_seq, decided_by, candidates, deduction_reasons)
        SELECT e.seq, v.decided_by, v.candidates, v.deduction_reasons
        FROM exception_evidence v JOIN exceptions e USING (exception_id)
        ORDER BY e.seq;
    DROP TABLE exception_evidence;
    ALTER TABLE exception_evidence_by_seq RENAME TO exception_evidence;
    ",
    // 7: summaries for the receivables reports at scale (issue 13 item 9):
    // integer minor units beside invoice amounts, each invoice's first run,
    // monthly credit sales kept by triggers, KPI sums per run, each run's
    // first posting, and the indexes of the reports' narrow reads. The
    // columns and sums are filled from the existing rows by
    // `summaries::backfill_v7` (Rust: the currency's minor digits and exact
    // decimal sums), then the indexes created (`summaries::V7_INDEXES`), all
    // in the migration's transaction.
    crate::summaries::V7_SCHEMA,
    // 8: integer keys for the content-hash ids (`id_keys`): a
    // receipt is found by `receipt_key`, a posting by `posting_key` (the
    // 64 bits of its id), each under a unique index, the text ids staying
    // on the rows unchanged. SQLite drops a column's UNIQUE only by
    // rebuilding its table: both tables are copied row for row, `seq`
    // kept. A posting's receipt is checked through `receipt_seq` (now NOT
    // NULL) instead of a second foreign key on the text id, and the line a
    // reversal offsets is checked by the store when it writes one.
    "
    CREATE TABLE receipts_keyed (
        seq INTEGER PRIMARY KEY,
        receipt_key INTEGER NOT NULL,
        receipt_id TEXT NOT NULL,
        batch_id TEXT NOT NULL REFERENCES batches(batch_id),
        file_id INTEGER NOT NULL REFERENCES files(file_id),
        occurrence INTEGER NOT NULL,
        bank_ref TEXT NOT NULL,
        format TEXT NOT NULL,
        account TEXT NOT NULL,
        value_date TEXT NOT NULL,
        currency TEXT NOT NULL,
        amount TEXT NOT NULL,
        payer_name TEXT NOT NULL,
        customer_id TEXT NOT NULL,
        status TEXT NOT NULL,
        remittance TEXT NOT NULL
    );
    INSERT INTO receipts_keyed
        SELECT seq, cashapply_id_key(receipt_id), receipt_id, batch_id, file_id, occurrence, bank_ref, format, account,
            value_date, currency, amount, payer_name, customer_id, status, remittance
        FROM receipts ORDER BY seq;
    CREATE TABLE postings_keyed (
        seq INTEGER PRIMARY KEY,
        posting_key INTEGER NOT NULL,
        posting_id TEXT NOT NULL,
        batch_id TEXT REFERENCES batches(batch_id),
        receipt_id TEXT NOT NULL,
        customer_id TEXT NOT NULL,
        invoice_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        amount TEXT NOT NULL,
        rule TEXT NOT NULL,
        confidence TEXT NOT NULL,
        reverses TEXT,
        reason TEXT NOT NULL,
        actor TEXT,
        created_at TEXT,
        confirmed_at TEXT,
        receipt_seq INTEGER NOT NULL REFERENCES receipts_keyed(seq)
    );
    INSERT INTO postings_keyed
        SELECT seq, cashapply_id_key(posting_id), posting_id, batch_id, receipt_id, customer_id, invoice_id, kind, amount,
            rule, confidence, reverses, reason, actor, created_at, confirmed_at, receipt_seq
        FROM postings ORDER BY seq;
    DROP TABLE postings;
    DROP TABLE receipts;
    ALTER TABLE receipts_keyed RENAME TO receipts;
    ALTER TABLE postings_keyed RENAME TO postings;
    CREATE UNIQUE INDEX receipts_by_key ON receipts(receipt_key);
    CREATE UNIQUE INDEX postings_by_key ON postings(posting_key);
    CREATE INDEX postings_by_receipt_seq ON postings(receipt_seq);
    CREATE INDEX postings_unconfirmed ON postings(seq) WHERE confirmed_at IS NULL;
    CREATE INDEX postings_pending ON postings(seq) WHERE batch_id IS NULL;
    CREATE UNIQUE INDEX postings_reversed_once ON postings(reverses) WHERE reverses IS NOT NULL;
    CREATE INDEX postings_open_cash ON postings(receipt_seq) WHERE kind IN ('unapplied', 'on_account', 'unidentified');
    CREATE INDEX postings_by_person ON postings(seq) WHERE created_at IS NOT NULL;
    ",
    // 9: the roll-forward's sums per run and the steps its lines do not
    // explain (`balance_sums`), filled from the existing rows by
    // `balance_sums::backfill_v9`.
    crate::balance_sums::V9_SCHEMA,
];

/// Work a migration does beyond its SQL, after it: `(version reached, step)`.
type Backfill = fn(&rusqlite::Transaction<'_>) -> Result<(), StoreError>;

fn backfill_v7(tx: &rusqlite::Transaction<'_>) -> Result<(), StoreError> {
    crate::summaries::backfill_v7(tx)?;
    tx.execute_batch(crate::summaries::V7_INDEXES)?;
    Ok(())
}

const BACKFILLS: &[(u32, Backfill)] = &[(7, backfill_v7), (9, crate::balance_sums::backfill_v9)];

/// The schema version this program writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

fn version(conn: &Connection) -> Result<u32, StoreError> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get::<_, u32>(0))?)
}

/// Brings `conn` (the file at `path`) to [`SCHEMA_VERSION`]. Refuses a newer
/// file; copies an existing older one to `PATH.before-vN` first; each
/// migration and its version bump commit together.
pub fn migrate(conn: &mut Connection, path: &Path, existed: bool) -> Result<(), StoreError> {
    migrate_steps(conn, path, existed, MIGRATIONS, BACKFILLS)
}

#[cfg(test)]
fn migrate_with(conn: &mut Connection, path: &Path, existed: bool, migrations: &[&str]) -> Result<(), StoreError> {
    migrate_steps(conn, path, existed, migrations, BACKFILLS)
}

fn migrate_steps(
    conn: &mut Connection,
    path: &Path,
    existed: bool,
    migrations: &[&str],
    backfills: &[(u32, Backfill)],
) -> Result<(), StoreError> {
    let known = migrations.len() as u32;
    let found = version(conn)?;
    if found > known {
        return Err(StoreError::TooNew { path: path.to_path_buf(), found, known });
    }
    if found == known {
        return Ok(());
    }
    if existed && found > 0 {
        let copy = path.with_file_name(format!(
            "{}.before-v{}",
            path.file_name().map_or_else(|| "ledger".into(), |n| n.to_string_lossy().into_owned()),
            known
        ));
        // VACUUM INTO writes a consistent copy, WAL content included.
        conn.execute("VACUUM INTO ?1", [copy.to_string_lossy().as_ref()])
            .map_err(|source| StoreError::Backup { path: copy.clone(), source })?;
    }
    for (i, sql) in migrations.iter().enumerate().skip(found as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        for (_, step) in backfills.iter().filter(|(v, _)| *v as usize == i + 1) {
            step(&tx)?;
        }
        tx.pragma_update(None, "user_version", (i + 1) as u32)?;
        tx.commit()?;
    }
    // A migration that rebuilt a table left the old table's pages free in
    // the file (1.4 GB of a 250-day ledger grew to 2.3 GB): the file is without them once the room is worth it.
    // rewritten without them when they are over a quarter of it (and over
    // 1 MiB), and the log that rewrite went through is emptied.
    let (free, pages): (i64, i64) = conn.query_row(
        "SELECT f.freelist_count, c.page_count FROM pragma_freelist_count f, pragma_page_count c",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let page_size: i64 = conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
    if free * page_size > 1 << 20 && free * 4 > pages {
        conn.execute_batch("VACUUM")?;
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_older_ledger_is_copied_before_it_is_migrated_and_the_copy_keeps_the_old_version() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l.db");
        let v1 = ["CREATE TABLE notes (x TEXT); INSERT INTO notes VALUES ('kept');"];
        {
            let mut conn = Connection::open(&path).unwrap();
            migrate_with(&mut conn, &path, false, &v1).unwrap();
        }
        let v2 = [v1[0], "ALTER TABLE notes ADD COLUMN y TEXT;"];
        let mut conn = Connection::open(&path).unwrap();
        migrate_with(&mut conn, &path, true, &v2).unwrap();
        assert_eq!(version(&conn).unwrap(), 2);
        let copy = Connection::open(dir.path().join("l.db.before-v2")).unwrap();
        assert_eq!(version(&copy).unwrap(), 1);
        let kept: String = copy.query_row("SELECT x FROM notes", [], |r| r.get(0)).unwrap();
        assert_eq!(kept, "kept");
    }

    #[test]
    fn a_version_2_ledger_keeps_its_invoices_without_dates_and_gains_the_follow_up_tables() {
        use crate::{CollectionsStore, LedgerStore};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l.db");
        {
            let mut conn = Connection::open(&path).unwrap();
            migrate_with(&mut conn, &path, false, &MIGRATIONS[..2]).unwrap();
            conn.execute_batch(
                "INSERT INTO invoices VALUES ('C1', 'I1', 'USD', '10.00', 'open', 1); \
                 INSERT INTO invoices VALUES ('C1', 'I2', 'USD', '0.00', 'closed', 0);",
            )
            .unwrap();
        }
        let mut store = crate::SqliteStore::open(&path, false).unwrap();
        // Only the invoice still in the ERP's file waits for its dates.
        assert_eq!(store.undated_invoices().unwrap(), 1);
        let i = &store.invoices().unwrap()[0];
        assert_eq!(
            (i.invoice_id.as_str(), i.invoice_date.as_deref(), i.amount_original.as_deref()),
            ("I1", None, None)
        );
        store.record_reminders(&[]).unwrap();
        assert!(dir.path().join(format!("l.db.before-v{SCHEMA_VERSION}")).exists());
    }

    #[test]
    fn a_version_4_ledger_keeps_its_learned_rules_and_their_ids_and_accepts_the_new_kinds() {
        use crate::WorkbenchStore;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l.db");
        {
            let mut conn = Connection::open(&path).unwrap();
            migrate_with(&mut conn, &path, false, &MIGRATIONS[..4]).unwrap();
            conn.execute_batch(
                "INSERT INTO learned_rules (rule_id, kind, pattern, customer_id, origin, created_by, created_at, enabled, fired, last_fired_at) \
                 VALUES (7, 'payer_name', 'ACME LTD', 'C1', 'exception E1', 'ann', '2026-12-01T09:00:00Z', 0, 3, '2026-12-02T09:00:00Z');",
            )
            .unwrap();
            let bad = conn.execute_batch(
                "INSERT INTO learned_rules (kind, pattern, customer_id, origin, created_by, created_at) \
                 VALUES ('reference_shape', 'PO-#####', 'C1', 'x', 'ann', 'now');",
            );
            assert!(bad.is_err(), "version 4 allows payer names only");
        }
        let mut store = crate::SqliteStore::open(&path, false).unwrap();
        let rules = store.rules().unwrap();
        assert_eq!(rules.len(), 1);
        let r = &rules[0];
        assert_eq!(
            (r.rule_id, r.kind.as_str(), r.pattern.as_str(), r.customer_id.as_str()),
            (7, "payer_name", "ACME LTD", "C1")
        );
        assert_eq!((r.enabled, r.fired, r.last_fired_at.as_deref()), (false, 3, Some("2026-12-02T09:00:00Z")));
        let shape = store.add_rule("reference_shape", "PO-#####", "C2", "", "exception E2", "bob", "now").unwrap();
        let code = store.add_rule("deduction_reason", "FREIGHT", "", "FRT", "exception E3", "bob", "now").unwrap();
        assert!(shape > 7 && code > shape);
        assert!(
            store.add_rule("deduction_reason", "DAMAGED", "", "", "exception E3", "bob", "now").is_err(),
            "a code is needed"
        );
        assert!(store.add_rule("telepathy", "X", "C1", "", "exception E3", "bob", "now").is_err());
    }

    #[test]
    fn a_version_4_ledger_keeps_every_posting_reversal_and_evidence_when_its_rows_are_rekeyed_by_seq() {
        use crate::{LedgerStore, WorkbenchStore};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l.db");
        {
            // A ledger as version 4 wrote it: two receipts, their lines (one
            // reversed by a person's line), an exception with its evidence.
            let mut conn = Connection::open(&path).unwrap();
            migrate_with(&mut conn, &path, false, &MIGRATIONS[..4]).unwrap();
            conn.execute_batch(
                "INSERT INTO batches VALUES ('B1', 1, 't1', 'me', NULL, 'inv.csv', 'sha', 2, 0, NULL); \
                 INSERT INTO files VALUES (1, 'B1', 'day.bai2', 'bai2', 's', 'n', 1, 2, 0, ''); \
                 INSERT INTO receipts (receipt_id, batch_id, file_id, occurrence, bank_ref, format, account, value_date, \
                   currency, amount, payer_name, customer_id, status, remittance) VALUES \
                   ('R2', 'B1', 1, 1, 'REF2', 'bai2', 'A', '2026-11-19', 'USD', '5.00', '', 'C1', 'applied', ''), \
                   ('R1', 'B1', 1, 1, 'REF1', 'bai2', 'A', '2026-11-19', 'USD', '10.00', '', 'C1', 'applied', ''); \
                 INSERT INTO postings (posting_id, batch_id, receipt_id, customer_id, invoice_id, kind, amount, rule, \
                   confidence, reverses, reason) VALUES \
                   ('P1a', 'B1', 'R1', 'C1', 'I1', 'applied', '10.00', 'ref_exact', '1.000', NULL, ''), \
                   ('P2a', 'B1', 'R2', 'C1', 'I2', 'applied', '5.00', 'ref_exact', '1.000', NULL, ''); \
                 INSERT INTO postings (posting_id, batch_id, receipt_id, customer_id, invoice_id, kind, amount, rule, \
                   confidence, reverses, reason, actor, created_at) VALUES \
                   ('P1b', NULL, 'R1', 'C1', 'I1', 'applied', '-10.00', 'unapply', '', 'P1a', 'wrong', 'me', 't2'); \
                 INSERT INTO exceptions (exception_id, problem, kind, receipt_id, bank_ref, customer_id, invoice_id, amount, \
                   suggestions, detail, currency, value_date, payer_name, customer_name, status, batch_id) VALUES \
                   ('E0', 'E0', 'short_payment', 'R2', 'REF2', 'C1', 'I2', '1.00', '', 'd', 'USD', '2026-11-19', '', '', 'resolved', 'B1'), \
                   ('E1', 'E1', 'short_payment', 'R1', 'REF1', 'C1', 'I1', '1.00', '', 'd', 'USD', '2026-11-19', '', '', 'open', 'B1'); \
                 INSERT INTO exception_evidence VALUES ('E1', 'ref_exact', '[]');",
            )
            .unwrap();
        }
        let mut store = crate::SqliteStore::open(&path, false).unwrap();
        let lines = store.postings_of_receipt("R1").unwrap();
        let ids: Vec<&str> = lines.iter().map(|p| p.row.posting_id.as_str()).collect();
        assert_eq!(ids, ["P1a", "P1b"]);
        assert_eq!((lines[0].row.bank_ref.as_str(), lines[0].reversed), ("REF1", true));
        assert_eq!(store.postings_of_receipt("R2").unwrap().len(), 1);
        assert_eq!(store.pending_postings().unwrap().len(), 1);
        assert_eq!(store.in_flight().unwrap().len(), 3);
        assert_eq!(store.evidence("E1").unwrap().map(|e| e.decided_by), Some("ref_exact".to_string()));
        assert_eq!(store.evidence("E0").unwrap(), None);
        // A new run's lines and evidence go in beside the old ones.
        let text = |s: &str| s.to_string();
        let receipt = crate::ReceiptRecord {
            row: crate::ReceiptRow {
                receipt_id: text("R3"),
                bank_ref: text("REF3"),
                source_file: text("day2.bai2"),
                format: text("bai2"),
                account: text("A"),
                value_date: text("2026-11-20"),
                currency: text("USD"),
                amount: text("7.00"),
                payer_name: String::new(),
                customer_id: text("C1"),
                status: text("on_account"),
                remittance: String::new(),
            },
            occurrence: 1,
            file: 0,
        };
        let line = crate::PostingRow {
            posting_id: text("P3a"),
            receipt_id: text("R3"),
            bank_ref: text("REF3"),
            value_date: text("2026-11-20"),
            currency: text("USD"),
            customer_id: text("C1"),
            invoice_id: String::new(),
            kind: text("on_account"),
            amount: text("7.00"),
            rule: text("on_account"),
            confidence: String::new(),
            reverses: String::new(),
            reason: String::new(),
        };
        let exception = crate::ExceptionRow {
            exception_id: text("E3"),
            kind: text("unidentified"),
            receipt_id: text("R3"),
            bank_ref: text("REF3"),
            customer_id: String::new(),
            invoice_id: String::new(),
            amount: text("7.00"),
            suggestions: String::new(),
            detail: text("d"),
            currency: text("USD"),
            value_date: text("2026-11-20"),
            payer_name: String::new(),
            customer_name: String::new(),
            status: text("open"),
        };
        let run = crate::RunRecord {
            batch_id: "B2".into(),
            at: "t3".into(),
            actor: "me".into(),
            files: vec![crate::FileRecord {
                name: text("day2.bai2"),
                format: text("bai2"),
                sha256: text("s2"),
                normalised_sha256: text("n2"),
                size: 1,
                receipts_new: 1,
                receipts_already: 0,
                warnings: Vec::new(),
                statements: Vec::new(),
            }],
            receipts: vec![receipt],
            postings: vec![line],
            exceptions: vec![("E3".into(), exception)],
            evidence: vec![crate::ExceptionEvidence {
                exception_id: "E3".into(),
                decided_by: "amount_only".into(),
                candidates: Vec::new(),
                deduction_reasons: Vec::new(),
            }],
            ..Default::default()
        };
        store.commit_run(&run).unwrap();
        assert_eq!(store.postings_of_receipt("R3").unwrap()[0].row.posting_id, "P3a");
        assert_eq!(store.evidence("E3").unwrap().map(|e| e.decided_by), Some("amount_only".to_string()));
        assert_eq!(store.evidence("E1").unwrap().map(|e| e.decided_by), Some("ref_exact".to_string()));
        let orphans: i64 =
            store.conn.query_row("SELECT count(*) FROM postings WHERE receipt_seq IS NULL", [], |r| r.get(0)).unwrap();
        assert_eq!(orphans, 0);
    }

    /// A ledger of three runs written by this version: invoices (a credit
    /// memo, a yen one, one that leaves the file, one changed), payments in
    /// part and in full, cash on account, a confirmation, and a person's
    /// reversal that changes a receipt's status.
    fn three_runs(store: &mut crate::SqliteStore) {
        use crate::{
            Adjustment, Event, FileRecord, InvoiceChange, KnownInvoice, LedgerStore, ReceiptRecord, RunRecord,
        };
        let t = |s: &str| s.to_string();
        let invoice = |event, id: &str, currency: &str, open: &str, status: &str, original: &str| InvoiceChange {
            invoice: KnownInvoice {
                customer_id: t("C1"),
                invoice_id: t(id),
                currency: t(currency),
                amount_open: t(open),
                status: t(status),
                invoice_date: Some(t("2026-01-15")),
                due_date: Some(t("2026-02-14")),
                amount_original: Some(t(original)),
            },
            event,
        };
        let receipt = |id: &str, currency: &str, amount: &str, status: &str, format: &str| ReceiptRecord {
            row: crate::ReceiptRow {
                receipt_id: t(id),
                bank_ref: format!("REF-{id}"),
                source_file: t("day.bai2"),
                format: t(format),
                account: t("A"),
                value_date: t("2026-02-01"),
                currency: t(currency),
                amount: t(amount),
                payer_name: String::new(),
                customer_id: t("C1"),
                status: t(status),
                remittance: String::new(),
            },
            occurrence: 1,
            file: 0,
        };
        let line = |id: &str, receipt: &str, invoice: &str, kind: &str, amount: &str| crate::PostingRow {
            posting_id: t(id),
            receipt_id: t(receipt),
            bank_ref: String::new(),
            value_date: String::new(),
            currency: String::new(),
            customer_id: t("C1"),
            invoice_id: t(invoice),
            kind: t(kind),
            amount: t(amount),
            rule: t("ref_exact"),
            confidence: t("1.000"),
            reverses: String::new(),
            reason: String::new(),
        };
        let run = |b: &str, at: &str| RunRecord {
            batch_id: t(b),
            at: t(at),
            actor: t("ops"),
            files: vec![FileRecord {
                name: format!("{b}.bai2"),
                format: t("bai2"),
                sha256: format!("s{b}"),
                normalised_sha256: format!("n{b}"),
                size: 1,
                receipts_new: 0,
                receipts_already: 0,
                warnings: Vec::new(),
                statements: Vec::new(),
            }],
            ..RunRecord::default()
        };
        let mut r1 = run("B1", "2026-02-02T06:00:00Z");
        r1.invoice_changes = vec![
            invoice("new", "I1", "USD", "100.00", "open", "100.00"),
            invoice("new", "I2", "USD", "-20.00", "open", "-20.00"),
            invoice("new", "I3", "JPY", "5000", "open", "5000"),
            invoice("new", "I4", "EUR", "70.00", "open", "75.00"),
        ];
        r1.receipts =
            vec![receipt("R1", "USD", "40.00", "applied", "bai2"), receipt("R2", "JPY", "5000", "applied", "camt")];
        r1.postings = vec![line("P1", "R1", "I1", "applied", "40.00"), line("P2", "R2", "I3", "applied", "5000")];
        store.commit_run(&r1).unwrap();
        store.confirm("B1", None, "2026-02-02T18:00:00Z", "erp").unwrap();
        let mut r2 = run("B2", "2026-02-03T06:00:00Z");
        r2.invoice_changes = vec![
            invoice("changed", "I1", "USD", "60.00", "open", "100.00"),
            invoice("changed", "I3", "JPY", "0", "closed", "5000"),
            invoice("gone", "I4", "EUR", "70.00", "open", "75.00"),
        ];
        r2.receipts =
            vec![receipt("R3", "USD", "25.00", "on_account", "bai2"), receipt("R4", "USD", "10.00", "applied", "bai2")];
        r2.postings = vec![line("P3", "R3", "", "on_account", "25.00"), line("P4", "R4", "I1", "applied", "10.00")];
        store.commit_run(&r2).unwrap();
        let mut undo = line("P5", "R4", "I1", "applied", "-10.00");
        undo.reverses = t("P4");
        store
            .adjust(&Adjustment {
                postings: vec![undo],
                receipt_status: Some((t("R4"), t("reversed"))),
                status_changes: Vec::new(),
                object: ("receipt", t("R4")),
                event: Event {
                    at: t("2026-02-03T09:00:00Z"),
                    actor: t("bob"),
                    action: t("reversed"),
                    detail: String::new(),
                    batch_id: None,
                },
            })
            .unwrap();
        let mut r3 = run("B3", "2026-02-04T06:00:00Z");
        r3.carried = vec![t("P5")];
        r3.invoice_changes = vec![invoice("new", "I5", "USD", "30.00", "open", "30.00")];
        store.commit_run(&r3).unwrap();
    }

    fn summaries(conn: &Connection) -> Vec<String> {
        let mut out = Vec::new();
        for sql in [
            "SELECT customer_id || ' ' || invoice_id || ' ' || quote(first_seq) || ' ' || quote(first_minor) || ' ' || \
             quote(open_minor) || ' ' || quote(original_minor) || ' ' || quote(sales_key) || ' ' || quote(sales_minor) \
             FROM invoices ORDER BY 1",
            "SELECT currency || ' ' || month || ' ' || amount_minor || ' ' || invoices FROM sales_by_month ORDER BY 1",
            "SELECT batch_id || ' ' || currency || ' ' || format || ' ' || receipts || ' ' || amount || ' ' || \
             straight_through || ' ' || auto_count || ' ' || auto_amount FROM run_kpi ORDER BY 1",
        ] {
            let mut stmt = conn.prepare(sql).unwrap();
            out.extend(stmt.query_map([], |r| r.get::<_, String>(0)).unwrap().map(Result::unwrap));
        }
        out
    }

    /// The roll-forward's sums (schema 9) with amounts as numbers (a sum's
    /// scale depends on the amounts added), without `events_seen` (the
    /// last event when each run committed, or when the migration ran).
    fn balance_sums(conn: &Connection) -> Vec<String> {
        let number = |t: String| t.parse::<rust_decimal::Decimal>().unwrap().normalize().to_string();
        let mut out = Vec::new();
        let mut stmt = conn
            .prepare(
                "SELECT run_seq, currency, closing, shown, applied, discounts, write_offs FROM run_balances \
                 ORDER BY run_seq, currency",
            )
            .unwrap();
        let mut rows = stmt.query([]).unwrap();
        while let Some(r) = rows.next().unwrap() {
            let n: Vec<String> = (2..7).map(|i| number(r.get(i).unwrap())).collect();
            out.push(format!("{} {} {}", r.get::<_, i64>(0).unwrap(), r.get::<_, String>(1).unwrap(), n.join(" ")));
        }
        let mut stmt = conn
            .prepare("SELECT run_seq, customer_id, invoice_id, amount FROM balance_steps ORDER BY 1, 2, 3")
            .unwrap();
        let mut rows = stmt.query([]).unwrap();
        while let Some(r) = rows.next().unwrap() {
            out.push(format!(
                "step {} {} {} {}",
                r.get::<_, i64>(0).unwrap(),
                r.get::<_, String>(1).unwrap(),
                r.get::<_, String>(2).unwrap(),
                number(r.get(3).unwrap())
            ));
        }
        let mut stmt = conn.prepare("SELECT seq, quote(odd_lines) FROM batches ORDER BY seq").unwrap();
        out.extend(
            stmt.query_map([], |r| Ok(format!("odd {} {}", r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
                .unwrap()
                .map(Result::unwrap),
        );
        out
    }

    #[test]
    fn a_version_8_ledger_gains_the_same_roll_forward_sums_and_steps_as_one_written_at_version_9() {
        use crate::ReportStore;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l.db");
        let mut store = crate::SqliteStore::open(&path, true).unwrap();
        three_runs(&mut store);
        let kept = balance_sums(&store.conn);
        // Hand-computed. Run 1: USD I1 100 − 40 in flight + I2 −20; JPY I3
        // 5000 − 5000; EUR I4 70. Run 2: I1 shown 60 (the 40 confirmed)
        // − 10 in flight; I3 closed; I4 left the file: 70 that no line
        // explains. Run 3: the reversal of the 10 carried (I1 back to 60),
        // I5 new at 30.
        let expected = [
            "1 EUR 70 70 0 0 0",
            "1 JPY 0 5000 5000 0 0",
            "1 USD 40 80 40 0 0",
            "2 EUR 0 0 0 0 0",
            "2 JPY 0 0 0 0 0",
            "2 USD 30 0 10 0 0",
            "3 EUR 0 0 0 0 0",
            "3 JPY 0 0 0 0 0",
            "3 USD 70 30 -10 0 0",
            "step 2 C1 I4 -70",
            "odd 1 0",
            "odd 2 0",
            "odd 3 0",
        ];
        assert_eq!(kept, expected);
        let reader = crate::ReportReader::open(&path).unwrap();
        let periods = [(None, 1), (None, 3), (Some(1), 2), (Some(1), 3), (Some(2), 3), (Some(3), 3)];
        let before: Vec<_> = periods.iter().map(|(o, c)| reader.period_sums(*o, *c, "2026-02-01").unwrap()).collect();
        drop(reader);
        // I4 left the file in run 2: listed from the periods that hold run 2.
        let listed = |p: &Option<crate::PeriodSums>| {
            p.as_ref().unwrap().data.invoices.iter().map(|i| i.invoice_id.clone()).collect::<Vec<_>>()
        };
        assert_eq!(listed(&before[1]), ["I4"]);
        assert!(listed(&before[4]).is_empty());
        store
            .conn
            .execute_batch(
                "DROP TABLE run_balances; DROP TABLE balance_steps; ALTER TABLE batches DROP COLUMN odd_lines; \
                 ALTER TABLE batches DROP COLUMN events_seen; PRAGMA user_version = 8;",
            )
            .unwrap();
        drop(store);
        let store = crate::SqliteStore::open(&path, false).unwrap();
        assert_eq!(version(&store.conn).unwrap(), SCHEMA_VERSION);
        assert_eq!(balance_sums(&store.conn), kept);
        let reader = crate::ReportReader::open(&path).unwrap();
        for ((o, c), was) in periods.iter().zip(&before) {
            let now = reader.period_sums(*o, *c, "2026-02-01").unwrap();
            assert_eq!(now.as_ref().map(|s| &s.data.invoices), was.as_ref().map(|s| &s.data.invoices));
            let sums = |s: &Option<crate::PeriodSums>| s.as_ref().map(|s| s.currencies.clone());
            assert_eq!(sums(&now).is_some(), sums(was).is_some(), "{o:?} {c}");
        }
    }

    #[test]
    fn a_confirmation_written_after_a_run_but_dated_before_it_started_stands_the_roll_forward_sums_down() {
        use crate::{LedgerStore, ReportStore};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l.db");
        let mut store = crate::SqliteStore::open(&path, true).unwrap();
        three_runs(&mut store);
        let sums = |o, c| crate::ReportReader::open(&path).unwrap().period_sums(o, c, "2026-02-01").unwrap();
        assert!(sums(Some(1), 3).is_some());
        // B2's lines were in flight when B3 started; a confirmation dated
        // before that, written now, would make them not in flight then.
        store.confirm("B2", None, "2026-02-03T12:00:00Z", "erp").unwrap();
        assert!(sums(Some(1), 3).is_none(), "the sums kept at B3 no longer stand");
        assert!(sums(Some(1), 2).is_some(), "B2 started before it: its sums stand");
    }

    #[test]
    fn a_version_6_ledger_gains_the_same_summaries_and_fast_read_as_one_written_at_version_7() {
        use crate::ReportStore;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l.db");
        let mut store = crate::SqliteStore::open(&path, true).unwrap();
        three_runs(&mut store);
        let kept = summaries(&store.conn);
        let latest = crate::ReportReader::open(&path).unwrap().latest_data().unwrap();
        assert!(kept.iter().any(|r| r == "B2 USD bai2 2 35.00 0 1 10.00"), "{kept:?}");
        // 100.00 − 20.00 (credit memo) + 30.00, dated January.
        assert!(kept.iter().any(|r| r == "USD 2026-01 11000 3"), "{kept:?}");
        assert!(kept.iter().any(|r| r == "C1 I2 1 -2000 -2000 -2000 'USD 2026-01' -2000"), "{kept:?}");
        // The same ledger as version 6 wrote it: no summaries.
        store
            .conn
            .execute_batch(
                "DROP TABLE run_balances; DROP TABLE balance_steps; ALTER TABLE batches DROP COLUMN odd_lines; \
                 ALTER TABLE batches DROP COLUMN events_seen; \
                 DROP INDEX invoices_receivable; DROP INDEX invoices_without_date; DROP INDEX invoices_inexact; \
                 DROP INDEX postings_open_cash; DROP INDEX postings_by_person; \
                 DROP TABLE sales_by_month; DROP TABLE run_kpi; \
                 ALTER TABLE invoices DROP COLUMN first_seq; ALTER TABLE invoices DROP COLUMN first_minor; \
                 ALTER TABLE invoices DROP COLUMN open_minor; ALTER TABLE invoices DROP COLUMN original_minor; \
                 ALTER TABLE invoices DROP COLUMN sales_key; ALTER TABLE invoices DROP COLUMN sales_minor; \
                 ALTER TABLE batches DROP COLUMN postings_after; PRAGMA user_version = 6;",
            )
            .unwrap();
        drop(store);
        let store = crate::SqliteStore::open(&path, false).unwrap();
        assert_eq!(version(&store.conn).unwrap(), SCHEMA_VERSION);
        assert_eq!(summaries(&store.conn), kept);
        assert_eq!(crate::ReportReader::open(&path).unwrap().latest_data().unwrap(), latest);
    }

    #[test]
    fn a_version_6_ledger_keeps_every_receipt_and_posting_with_its_seq_and_id_when_the_ids_are_keyed() {
        use crate::{LedgerStore, id_key};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l.db");
        let r1 = "R00000000000000a1";
        {
            let mut conn = Connection::open(&path).unwrap();
            migrate_with(&mut conn, &path, false, &MIGRATIONS[..6]).unwrap();
            conn.execute_batch(&format!(
                "INSERT INTO batches VALUES ('B1', 1, 't1', 'me', NULL, 'inv.csv', 'sha', 2, 0, NULL); \
                 INSERT INTO files VALUES (1, 'B1', 'day.bai2', 'bai2', 's', 'n', 1, 2, 0, ''); \
                 INSERT INTO receipts (seq, receipt_id, batch_id, file_id, occurrence, bank_ref, format, account, value_date, \
                   currency, amount, payer_name, customer_id, status, remittance) VALUES \
                   (5, '{r1}', 'B1', 1, 1, 'REF1', 'bai2', 'A', '2026-11-19', 'USD', '10.00', '', 'C1', 'applied', ''), \
                   (9, 'R-by-hand', 'B1', 1, 1, 'REF2', 'bai2', 'A', '2026-11-19', 'USD', '5.00', '', 'C1', 'reversed', 'x'); \
                 INSERT INTO postings (seq, posting_id, batch_id, receipt_id, customer_id, invoice_id, kind, amount, rule, \
                   confidence, reverses, reason, receipt_seq) VALUES \
                   (3, 'P00000000000000b1', 'B1', '{r1}', 'C1', 'I1', 'applied', '10.00', 'ref_exact', '1.000', NULL, '', 5), \
                   (4, 'P2', 'B1', 'R-by-hand', 'C1', 'I2', 'applied', '5.00', 'ref_exact', '1.000', NULL, '', 9); \
                 INSERT INTO postings (seq, posting_id, batch_id, receipt_id, customer_id, invoice_id, kind, amount, rule, \
                   confidence, reverses, reason, actor, created_at, receipt_seq) VALUES \
                   (7, 'P2x', NULL, 'R-by-hand', 'C1', 'I2', 'applied', '-5.00', 'reversal', '', 'P2', 'bounced', 'me', 't2', 9);"
            ))
            .unwrap();
        }
        let dump = |conn: &Connection| -> Vec<String> {
            let mut out = Vec::new();
            for sql in [
                "SELECT seq, receipt_id, batch_id, file_id, bank_ref, amount, status, remittance FROM receipts ORDER BY seq",
                "SELECT seq, posting_id, batch_id, receipt_id, amount, coalesce(reverses, ''), coalesce(actor, ''), receipt_seq FROM postings ORDER BY seq",
            ] {
                let mut stmt = conn.prepare(sql).unwrap();
                let n = stmt.column_count();
                let rows = stmt
                    .query_map([], |r| {
                        Ok((0..n)
                            .map(|i| match r.get_ref(i).unwrap() {
                                rusqlite::types::ValueRef::Integer(v) => v.to_string(),
                                v => v.as_str().unwrap_or_default().to_string(),
                            })
                            .collect::<Vec<_>>()
                            .join("|"))
                    })
                    .unwrap();
                out.extend(rows.map(Result::unwrap));
            }
            out
        };
        let before = dump(&Connection::open(&path).unwrap());
        let mut store = crate::SqliteStore::open(&path, false).unwrap();
        assert_eq!(version(&store.conn).unwrap(), SCHEMA_VERSION);
        assert_eq!(dump(&store.conn), before, "every row, seq and id kept");
        let keys: Vec<(i64, String)> = store
            .conn
            .prepare(
                "SELECT receipt_key, receipt_id FROM receipts UNION ALL SELECT posting_key, posting_id FROM postings",
            )
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(keys.len(), 5);
        assert!(keys.iter().all(|(k, id)| *k == id_key(id)), "{keys:?}");
        let broken: i64 =
            store.conn.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| r.get(0)).unwrap();
        assert_eq!(broken, 0);
        let parent: String = store
            .conn
            .query_row(
                "SELECT \"table\" FROM pragma_foreign_key_list('postings') WHERE \"from\" = 'receipt_seq'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(parent, "receipts");
        // The lookups by id find them through the keys.
        assert_eq!(store.taken(&[r1.to_string(), "R-by-hand".into(), "R-none".into()]).unwrap().len(), 2);
        let lines = store.postings_of_receipt("R-by-hand").unwrap();
        assert_eq!(lines.iter().map(|p| p.row.posting_id.as_str()).collect::<Vec<_>>(), ["P2", "P2x"]);
        assert!(lines[0].reversed);
        assert_eq!(store.posting("P00000000000000b1").unwrap().unwrap().row.receipt_id, r1);
        assert_eq!(store.receipt("R-by-hand").unwrap().unwrap().row.remittance, "x");
        assert_eq!(store.pending_postings().unwrap().len(), 1);
        // A line may still offset another only once, and only one that exists.
        let mut again = lines[1].row.clone();
        again.posting_id = "P2y".into();
        let event = crate::Event {
            at: "t3".into(),
            actor: "me".into(),
            action: "x".into(),
            detail: String::new(),
            batch_id: None,
        };
        let adjust = |line: crate::PostingRow| crate::Adjustment {
            postings: vec![line],
            receipt_status: None,
            status_changes: Vec::new(),
            object: ("receipt", "R-by-hand".into()),
            event: event.clone(),
        };
        assert!(store.adjust(&adjust(again.clone())).is_err());
        again.reverses = "P-none".into();
        assert!(store.adjust(&adjust(again.clone())).is_err());
        again.reverses = "P00000000000000b1".into();
        store.adjust(&adjust(again)).unwrap();
        assert!(store.posting("P00000000000000b1").unwrap().unwrap().reversed);
        let c = store.confirm("B1", Some(&["P00000000000000b1".to_string()]), "t4", "me").unwrap();
        assert_eq!(c.confirmed, 1);
    }

    #[test]
    fn the_report_indexes_on_postings_survive_the_rebuild_of_the_postings_table() {
        // Migration 8 rebuilds `postings`; the narrow reads of the reports
        // (migration 7) need their partial indexes back on the new table.
        let dir = tempfile::tempdir().unwrap();
        let store = crate::SqliteStore::open(&dir.path().join("l.db"), true).unwrap();
        for index in ["postings_open_cash", "postings_by_person", "postings_by_key", "receipts_by_key"] {
            let n: i64 = store
                .conn
                .query_row("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = ?1", [index], |r| {
                    r.get(0)
                })
                .unwrap();
            assert_eq!(n, 1, "{index}");
        }
    }

    #[test]
    fn a_migration_that_rebuilds_a_table_leaves_no_free_room_in_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l.db");
        let fill = "CREATE TABLE t (x TEXT); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) \
                    INSERT INTO t SELECT printf('%0200d', i) FROM n;";
        let mut conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "journal_mode", "WAL").unwrap();
        migrate_with(&mut conn, &path, false, &[fill]).unwrap();
        let rebuild =
            "CREATE TABLE t2 (x TEXT); INSERT INTO t2 SELECT x FROM t; DROP TABLE t; ALTER TABLE t2 RENAME TO t;";
        migrate_with(&mut conn, &path, true, &[fill, rebuild]).unwrap();
        let free: i64 = conn.query_row("PRAGMA freelist_count", [], |r| r.get(0)).unwrap();
        assert_eq!(free, 0);
        let n: i64 = conn.query_row("SELECT count(*) FROM t", [], |r| r.get(0)).unwrap();
        assert_eq!(n, 20000);
        assert_eq!(std::fs::metadata(dir.path().join("l.db-wal")).map_or(0, |m| m.len()), 0, "the log is emptied");
    }

    #[test]
    fn a_failing_migration_leaves_the_version_where_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l.db");
        let mut conn = Connection::open(&path).unwrap();
        migrate_with(&mut conn, &path, false, &["CREATE TABLE a (x);"]).unwrap();
        let err =
            migrate_with(&mut conn, &path, true, &["CREATE TABLE a (x);", "CREATE TABLE b (x); CREATE TABLE a (y);"]);
        assert!(err.is_err());
        assert_eq!(version(&conn).unwrap(), 1);
        let b: bool =
            conn.query_row("SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'b')", [], |r| r.get(0)).unwrap();
        assert!(!b, "half a migration was kept");
    }
}
