//! The ledger in one SQLite file.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::id_keys::id_key;
use crate::migrations::migrate;
use crate::{
    Adjustment, Confirmed, Event, ExceptionRow, InFlight, KnownInvoice, LedgerStore, PostingRow, PostingState,
    ReceiptRow, ReceiptState, RunRecord, SeenFile, SeenStatement, StoreError, Taken,
};

/// How long a connection waits for SQLite's own lock (a reader during a
/// checkpoint, a process that bypassed the lock file).
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// How long [`checkpoint`] waits for readers of the log.
const CHECKPOINT_WAIT: Duration = Duration::from_secs(2);

/// The embedded ledger.
#[derive(Debug)]
pub struct SqliteStore {
    pub(crate) conn: Connection,
    path: PathBuf,
}

impl SqliteStore {
    /// Opens the ledger at `path`, creating it when `create` is set and it
    /// does not exist, and migrates its schema forward.
    pub fn open(path: &Path, create: bool) -> Result<SqliteStore, StoreError> {
        let existed = path.exists();
        if !existed && !create {
            return Err(StoreError::Missing { path: path.to_path_buf() });
        }
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        // A run inserts its rows under random ids into large indexes: a
        // page cache of up to 256 MiB keeps those pages in memory.
        conn.pragma_update(None, "cache_size", -262_144)?;
        crate::id_keys::register(&conn)?;
        migrate(&mut conn, path, existed)?;
        Ok(SqliteStore { conn, path: path.to_path_buf() })
    }

    /// Opens the ledger for a run (as [`SqliteStore::open`]) so that the
    /// run's commit is the only writing on its path. The commit is durable
    /// when it returns — the write-ahead log is synced at each commit
    /// (`synchronous = FULL`) — but its pages stay in the log: no
    /// checkpoint at commit (`wal_autocheckpoint = 0`) nor when this
    /// connection closes. The next run copies them into the file while it
    /// reads its inputs ([`checkpoint`]); until then SQLite reads them from
    /// the log, and a kill at any moment leaves either the committed run in
    /// the log or the ledger as before. Any other connection may also
    /// checkpoint them (at its close, or when its own commits find the log
    /// over SQLite's default 1,000 pages).
    pub fn open_for_run(path: &Path, create: bool) -> Result<SqliteStore, StoreError> {
        let store = SqliteStore::open(path, create)?;
        store.conn.pragma_update(None, "synchronous", "FULL")?;
        store.conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        store.conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true)?;
        Ok(store)
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Copies the ledger to `to` with SQLite's online backup: a consistent
    /// copy while other readers (and, between steps, writers) go on.
    pub fn backup(&self, to: &Path) -> Result<(), StoreError> {
        let mut dest = Connection::open(to).map_err(|source| StoreError::Backup { path: to.to_path_buf(), source })?;
        let backup = rusqlite::backup::Backup::new(&self.conn, &mut dest)
            .map_err(|source| StoreError::Backup { path: to.to_path_buf(), source })?;
        backup
            .run_to_completion(1024, Duration::from_millis(10), None)
            .map_err(|source| StoreError::Backup { path: to.to_path_buf(), source })
    }

    /// Row counts of the main tables, for reports and benchmarks.
    pub fn counts(&self) -> Result<Vec<(&'static str, u64)>, StoreError> {
        let mut out = Vec::new();
        for t in ["batches", "files", "receipts", "postings", "invoices", "invoice_history", "exceptions", "events"] {
            let n: i64 = self.conn.query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))?;
            out.push((t, n.max(0) as u64));
        }
        Ok(out)
    }
}

/// What [`checkpoint`] found and did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checkpointed {
    /// Pages the write-ahead log held (0: nothing to copy).
    pub log_pages: u64,
    /// Pages copied into the ledger file.
    pub copied: u64,
    /// False when a reader kept part of the log in use: the rest stays
    /// there, still read from the log, for a later checkpoint.
    pub complete: bool,
}

/// Copies the pages committed runs left in the ledger's write-ahead log
/// into the ledger file, syncs it, and empties the log (SQLite's
/// `wal_checkpoint(TRUNCATE)`). `None` when there is no ledger at `path`.
/// It opens a connection of its own and runs no migration (it only moves
/// committed pages, whatever the schema), so a run calls it on another
/// thread while it reads its inputs, holding the ledger's write lock. A
/// kill during the copy loses nothing: the log stays valid until the file
/// is synced, and the next open replays it.
pub fn checkpoint(path: &Path) -> Result<Option<Checkpointed>, StoreError> {
    if !path.exists() {
        return Ok(None);
    }
    let conn = Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    // Emptying the log waits for readers of it (the workbench's) to move
    // on; a run waits this long at most, then leaves the rest in the log.
    conn.busy_timeout(CHECKPOINT_WAIT)?;
    let step = |mode: &str| -> Result<(i64, i64, i64), StoreError> {
        Ok(conn.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?)
    };
    // The copy (PASSIVE answers how many pages the log held and how many
    // it copied; TRUNCATE, which then only empties the log, answers 0s).
    let (_, log, copied) = step("PASSIVE")?;
    let (busy, _, _) = step("TRUNCATE")?;
    // A file not in WAL mode answers -1: nothing to copy.
    Ok(Some(Checkpointed { log_pages: log.max(0) as u64, copied: copied.max(0) as u64, complete: busy == 0 }))
}

/// A posting with the receipt fields it shares (bank reference, value
/// date, currency are kept once, on the receipt).
pub(crate) const POSTING_SELECT: &str = "SELECT p.posting_id, p.receipt_id, r.bank_ref, r.value_date, r.currency, p.customer_id, \
     p.invoice_id, p.kind, p.amount, p.rule, p.confidence, coalesce(p.reverses, ''), p.reason, p.batch_id, p.confirmed_at, \
     EXISTS (SELECT 1 FROM postings o WHERE o.reverses = p.posting_id) FROM postings p JOIN receipts r ON r.seq = p.receipt_seq";

pub(crate) fn posting_state(r: &Row<'_>) -> rusqlite::Result<PostingState> {
    Ok(PostingState {
        row: PostingRow {
            posting_id: r.get(0)?,
            receipt_id: r.get(1)?,
            bank_ref: r.get(2)?,
            value_date: r.get(3)?,
            currency: r.get(4)?,
            customer_id: r.get(5)?,
            invoice_id: r.get(6)?,
            kind: r.get(7)?,
            amount: r.get(8)?,
            rule: r.get(9)?,
            confidence: r.get(10)?,
            reverses: r.get(11)?,
            reason: r.get(12)?,
        },
        batch_id: r.get(13)?,
        confirmed_at: r.get(14)?,
        reversed: r.get(15)?,
    })
}

pub(crate) const EXCEPTION_COLUMNS: &str = "exception_id, kind, receipt_id, bank_ref, customer_id, invoice_id, amount, \
     suggestions, detail, currency, value_date, payer_name, customer_name, status, problem";

pub(crate) fn exception_row(r: &Row<'_>) -> rusqlite::Result<ExceptionRow> {
    Ok(ExceptionRow {
        exception_id: r.get(0)?,
        kind: r.get(1)?,
        receipt_id: r.get(2)?,
        bank_ref: r.get(3)?,
        customer_id: r.get(4)?,
        invoice_id: r.get(5)?,
        amount: r.get(6)?,
        suggestions: r.get(7)?,
        detail: r.get(8)?,
        currency: r.get(9)?,
        value_date: r.get(10)?,
        payer_name: r.get(11)?,
        customer_name: r.get(12)?,
        status: r.get(13)?,
    })
}

fn seen_statement(r: &Row<'_>) -> rusqlite::Result<SeenStatement> {
    Ok(SeenStatement {
        file: r.get(0)?,
        normalised_sha256: r.get(1)?,
        batch_id: r.get(2)?,
        identity: r.get(3)?,
        closing: r.get(4)?,
    })
}

/// Inserts one posting line. `receipt_seq` is its receipt's `seq` when the
/// caller knows it (a run that has just inserted the receipt); otherwise it
/// is looked up by `receipt_id`.
pub(crate) fn insert_posting(
    tx: &rusqlite::Transaction<'_>,
    p: &PostingRow,
    batch_id: Option<&str>,
    actor: &str,
    at: &str,
    receipt_seq: Option<i64>,
) -> rusqlite::Result<()> {
    if !p.reverses.is_empty() {
        // The line it offsets must be in the ledger (the foreign key on
        // the text id before the ids were keyed).
        let exists: bool = tx
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM postings WHERE posting_key = ?1 AND posting_id = ?2)")?
            .query_row(params![id_key(&p.reverses), p.reverses], |r| r.get(0))?;
        if !exists {
            return Err(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY),
                Some(format!("posting {} offsets {}, which is not in the ledger", p.posting_id, p.reverses)),
            ));
        }
    }
    let mut stmt = tx.prepare_cached(
        "INSERT INTO postings (posting_key, posting_id, batch_id, receipt_id, customer_id, \
         invoice_id, kind, amount, rule, confidence, reverses, reason, actor, created_at, receipt_seq) \
         VALUES (?15, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, NULLIF(?10, ''), ?11, ?12, ?13, \
         coalesce(?14, (SELECT seq FROM receipts WHERE receipt_key = ?16 AND receipt_id = ?3)))",
    )?;
    // A run's lines take their actor and time from their batch; a
    // person's line keeps its own.
    let (actor, at) = if batch_id.is_some() { (None, None) } else { (Some(actor), Some(at)) };
    stmt.execute(params![
        p.posting_id,
        batch_id,
        p.receipt_id,
        p.customer_id,
        p.invoice_id,
        p.kind,
        p.amount,
        p.rule,
        p.confidence,
        p.reverses,
        p.reason,
        actor,
        at,
        receipt_seq,
        id_key(&p.posting_id),
        id_key(&p.receipt_id)
    ])?;
    Ok(())
}

pub(crate) fn insert_event(tx: &rusqlite::Transaction<'_>, kind: &str, id: &str, e: &Event) -> rusqlite::Result<()> {
    let mut stmt = tx.prepare_cached(
        "INSERT INTO events (at, actor, object_kind, object_id, action, detail, batch_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    stmt.execute(params![e.at, e.actor, kind, id, e.action, e.detail, e.batch_id])?;
    Ok(())
}

/// A run's record, whole or in two stages (see
/// [`LedgerStore::commit_run_in_stages`]).
enum Staged<'a> {
    Whole(&'a RunRecord),
    InStages(&'a mut RunRecord, &'a mut dyn FnMut(&mut RunRecord) -> bool),
}

impl Staged<'_> {
    fn run(&self) -> &RunRecord {
        match self {
            Staged::Whole(r) => r,
            Staged::InStages(r, _) => r,
        }
    }
}

impl SqliteStore {
    /// Writes a run in one transaction: its head (batch, files, receipts,
    /// carried and new lines), then — once a staged record has its rest —
    /// exceptions, evidence, status changes, invoices and the summaries;
    /// commits when `ready` answers true.
    fn write_run(&mut self, mut staged: Staged<'_>, ready: &mut dyn FnMut() -> bool) -> Result<bool, StoreError> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let seq = {
            let run = staged.run();
            let seq: i64 = tx.query_row("SELECT coalesce(max(seq), 0) + 1 FROM batches", [], |r| r.get(0))?;
            tx.execute(
            "INSERT INTO batches (batch_id, seq, created_at, actor, as_of, invoices_file, invoices_sha256, receipts_new, receipts_already, \
             postings_after) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, (SELECT coalesce(max(seq), 0) FROM postings))",
            params![
                run.batch_id,
                seq,
                run.at,
                run.actor,
                run.as_of,
                run.invoices_file,
                run.invoices_sha256,
                run.receipts.len() as i64,
                run.already as i64
            ],
        )?;
            let mut file_ids = Vec::with_capacity(run.files.len());
            let mut receipt_seqs: std::collections::HashMap<&str, i64> =
                std::collections::HashMap::with_capacity(run.receipts.len());
            for f in &run.files {
                tx.execute(
                "INSERT INTO files (batch_id, name, format, sha256, normalised_sha256, size, receipts_new, receipts_already, warnings) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    run.batch_id,
                    f.name,
                    f.format,
                    f.sha256,
                    f.normalised_sha256,
                    f.size as i64,
                    f.receipts_new as i64,
                    f.receipts_already as i64,
                    f.warnings.join("\n")
                ],
            )?;
                let file_id = tx.last_insert_rowid();
                for s in &f.statements {
                    tx.execute(
                    "INSERT INTO statements (identity, account, file_id, opening, closing) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![s.identity, s.account, file_id, s.opening, s.closing],
                )?;
                }
                file_ids.push(file_id);
            }
            {
                let mut stmt = tx.prepare_cached(
                "INSERT INTO receipts (receipt_key, receipt_id, batch_id, file_id, occurrence, bank_ref, format, account, \
                 value_date, currency, amount, payer_name, customer_id, status, remittance) \
                 VALUES (?15, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            )?;
                // Rows go in in id order, as they always have (their `seq`s
                // follow it). For derived ids that is the keys' unsigned order:
                // the key index is walked in two ascending runs, so each of its
                // pages is visited once.
                let mut order: Vec<(i64, &crate::ReceiptRecord)> =
                    run.receipts.iter().map(|r| (id_key(&r.row.receipt_id), r)).collect();
                order.sort_by(|a, b| a.1.row.receipt_id.cmp(&b.1.row.receipt_id));
                for (key, rec) in order {
                    let r = &rec.row;
                    let file_id = file_ids.get(rec.file).copied();
                    stmt.execute(params![
                        r.receipt_id,
                        run.batch_id,
                        file_id,
                        rec.occurrence,
                        r.bank_ref,
                        r.format,
                        r.account,
                        r.value_date,
                        r.currency,
                        r.amount,
                        r.payer_name,
                        r.customer_id,
                        r.status,
                        r.remittance,
                        key
                    ])?;
                    receipt_seqs.insert(r.receipt_id.as_str(), tx.last_insert_rowid());
                }
            }
            {
                let mut stmt = tx.prepare_cached(
                    "UPDATE postings SET batch_id = ?1 WHERE posting_key = ?3 AND posting_id = ?2 AND batch_id IS NULL",
                )?;
                for id in &run.carried {
                    stmt.execute(params![run.batch_id, id, id_key(id)])?;
                }
            }
            // By receipt (the order their `seq`s were given in, so the
            // `receipt_seq` index grows at its end), each receipt's lines in
            // their order.
            let mut order: Vec<&PostingRow> = run.postings.iter().collect();
            order.sort_by(|a, b| a.receipt_id.cmp(&b.receipt_id));
            for p in order {
                let seq = receipt_seqs.get(p.receipt_id.as_str()).copied();
                insert_posting(&tx, p, Some(&run.batch_id), &run.actor, &run.at, seq)?;
            }
            seq
        };
        // The head is written: a staged record gets its rest now.
        if let Staged::InStages(run, rest) = &mut staged
            && !rest(run)
        {
            // Dropped: rolled back.
            return Ok(false);
        }
        let run = staged.run();
        let mut exception_seqs: std::collections::HashMap<&str, i64> =
            std::collections::HashMap::with_capacity(run.exceptions.len());
        {
            let mut stmt = tx.prepare_cached(&format!(
                "INSERT INTO exceptions ({EXCEPTION_COLUMNS}, batch_id) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"
            ))?;
            let mut order: Vec<&(String, ExceptionRow)> = run.exceptions.iter().collect();
            order.sort_by(|a, b| a.1.exception_id.cmp(&b.1.exception_id));
            for (problem, e) in order {
                stmt.execute(params![
                    e.exception_id,
                    e.kind,
                    e.receipt_id,
                    e.bank_ref,
                    e.customer_id,
                    e.invoice_id,
                    e.amount,
                    e.suggestions,
                    e.detail,
                    e.currency,
                    e.value_date,
                    e.payer_name,
                    e.customer_name,
                    e.status,
                    problem,
                    run.batch_id
                ])?;
                exception_seqs.insert(e.exception_id.as_str(), tx.last_insert_rowid());
                // No event row: the exception's batch dates its raising
                // (`events` reads it from there).
            }
        }
        crate::evidence::insert_evidence(&tx, &run.evidence, &exception_seqs)?;
        if let Some(contacts) = &run.contacts {
            crate::evidence::replace_contacts(&tx, contacts, &run.batch_id)?;
        }
        for c in &run.status_changes {
            tx.execute("UPDATE exceptions SET status = ?1 WHERE exception_id = ?2", params![c.status, c.exception_id])?;
            let event = Event {
                at: run.at.clone(),
                actor: run.actor.clone(),
                action: c.status.clone(),
                detail: c.note.clone(),
                batch_id: Some(run.batch_id.clone()),
            };
            insert_event(&tx, "exception", &c.exception_id, &event)?;
        }
        // The roll-forward's sums (schema 9): what the touched invoices
        // showed before this run's rows are written.
        let mut balances = crate::balance_sums::before_invoices(&tx, run, seq)?;
        {
            let mut upsert = tx.prepare_cached(&format!(
                "INSERT INTO invoices (customer_id, invoice_id, currency, amount_open, status, in_file, invoice_date, due_date, amount_original, \
                 first_seq, first_minor, open_minor, original_minor) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) \
                 ON CONFLICT (customer_id, invoice_id) DO UPDATE SET \
                 first_seq = coalesce(first_seq, ?10), \
                 first_minor = CASE WHEN currency IS NOT ?3 THEN NULL WHEN first_seq IS NULL THEN ?11 ELSE first_minor END, \
                 original_minor = CASE WHEN ?9 IS NOT NULL THEN ?13 WHEN currency IS NOT ?3 THEN NULL ELSE original_minor END, \
                 currency = ?3, amount_open = ?4, status = ?5, in_file = ?6, open_minor = ?12, \
                 invoice_date = coalesce(?7, invoice_date), due_date = CASE WHEN ?7 IS NULL THEN due_date ELSE ?8 END, \
                 amount_original = coalesce(?9, amount_original) \
                 RETURNING {}",
                crate::summaries::SALES_COLUMNS
            ))?;
            // The monthly sales: a row whose contribution changed is
            // counted again (`summaries::SalesDelta`).
            let mut recounted = tx.prepare_cached(
                "UPDATE invoices SET sales_key = ?3, sales_minor = ?4 WHERE customer_id = ?1 AND invoice_id = ?2",
            )?;
            let mut sales = crate::summaries::SalesDelta::default();
            let mut history = tx.prepare_cached(
                "INSERT INTO invoice_history (customer_id, invoice_id, batch_id, event, amount_open, status) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for c in &run.invoice_changes {
                let i = &c.invoice;
                let in_file = c.event != "gone";
                // Summaries (schema 7): the first run that shows the invoice
                // (a history line) and what it showed; amounts in minor units.
                let shows = c.event != "dated";
                let minor = |a: &str| crate::summaries::minor_units(a, &i.currency);
                let first_minor = if i.status == "closed" { Some(0) } else { minor(&i.amount_open) };
                let (now, counted) = upsert.query_row(
                    params![
                        i.customer_id,
                        i.invoice_id,
                        i.currency,
                        i.amount_open,
                        i.status,
                        in_file,
                        i.invoice_date,
                        i.due_date,
                        i.amount_original,
                        shows.then_some(seq),
                        if shows { first_minor } else { None },
                        minor(&i.amount_open),
                        i.amount_original.as_deref().and_then(minor),
                    ],
                    |r| crate::summaries::SalesFields::read(r, 0),
                )?;
                if c.event == "new" && now.first_seq() != Some(seq) {
                    balances.shown_before();
                }
                if let Some((key, minor)) = sales.recount(&now, counted) {
                    recounted.execute(params![i.customer_id, i.invoice_id, key, minor])?;
                }
                if c.event == "dated" {
                    continue;
                }
                history.execute(params![
                    i.customer_id,
                    i.invoice_id,
                    run.batch_id,
                    c.event,
                    i.amount_open,
                    i.status
                ])?;
            }
            sales.write(&tx)?;
        }
        crate::summaries::record_run_kpi(&tx, run)?;
        crate::balance_sums::after_invoices(&tx, run, balances)?;
        if !ready() {
            // Dropped: rolled back.
            return Ok(false);
        }
        tx.commit()?;

        Ok(true)
    }
}

impl LedgerStore for SqliteStore {
    fn last_batch(&self) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT batch_id FROM batches ORDER BY seq DESC LIMIT 1", [], |r| r.get(0))
            .optional()?)
    }

    fn last_invoices_sha256(&self) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT invoices_sha256 FROM batches ORDER BY seq DESC LIMIT 1", [], |r| r.get(0))
            .optional()?)
    }

    fn taken(&self, receipt_ids: &[String]) -> Result<Vec<Taken>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT r.batch_id, b.created_at, f.name FROM receipts r JOIN batches b ON b.batch_id = r.batch_id \
             JOIN files f ON f.file_id = r.file_id WHERE r.receipt_key = ?1 AND r.receipt_id = ?2",
        )?;
        let mut out = Vec::new();
        // In key order: neighbouring lookups touch neighbouring pages.
        let mut sorted: Vec<(i64, &String)> = receipt_ids.iter().map(|id| (id_key(id), id)).collect();
        sorted.sort_unstable();
        for (key, id) in sorted {
            if let Some((batch_id, at, source_file)) = stmt
                .query_row(params![key, id], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?))
                })
                .optional()?
            {
                out.push(Taken { receipt_id: id.clone(), batch_id, at, source_file });
            }
        }
        Ok(out)
    }

    fn file_seen(&self, sha256: &str, normalised_sha256: &str) -> Result<Option<SeenFile>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT f.name, f.batch_id, b.created_at, f.sha256 = ?1 FROM files f JOIN batches b USING (batch_id) \
                 WHERE f.sha256 = ?1 OR f.normalised_sha256 = ?2 ORDER BY f.sha256 = ?1 DESC, b.seq LIMIT 1",
                params![sha256, normalised_sha256],
                |r| Ok(SeenFile { name: r.get(0)?, batch_id: r.get(1)?, at: r.get(2)?, identical: r.get(3)? }),
            )
            .optional()?)
    }

    fn statement_seen(&self, identity: &str) -> Result<Option<SeenStatement>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT f.name, f.normalised_sha256, f.batch_id, s.identity, s.closing FROM statements s \
                 JOIN files f USING (file_id) WHERE s.identity = ?1 ORDER BY s.seq LIMIT 1",
                [identity],
                seen_statement,
            )
            .optional()?)
    }

    fn last_closing(&self, account: &str) -> Result<Option<SeenStatement>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT f.name, f.normalised_sha256, f.batch_id, s.identity, s.closing FROM statements s \
                 JOIN files f USING (file_id) WHERE s.account = ?1 AND s.closing IS NOT NULL ORDER BY s.seq DESC LIMIT 1",
                [account],
                seen_statement,
            )
            .optional()?)
    }

    fn in_flight(&self) -> Result<Vec<InFlight>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT p.posting_id, p.batch_id, p.customer_id, p.invoice_id, p.kind, p.amount, r.currency \
             FROM postings p JOIN receipts r ON r.seq = p.receipt_seq \
             WHERE p.confirmed_at IS NULL AND p.invoice_id <> '' AND p.kind IN ('applied', 'discount', 'write_off') ORDER BY p.seq",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(InFlight {
                posting_id: r.get(0)?,
                batch_id: r.get(1)?,
                customer_id: r.get(2)?,
                invoice_id: r.get(3)?,
                kind: r.get(4)?,
                amount: r.get(5)?,
                currency: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn open_exceptions(&self) -> Result<Vec<(String, ExceptionRow)>, StoreError> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {EXCEPTION_COLUMNS} FROM exceptions WHERE status IN ('open', 'snoozed') ORDER BY value_date, bank_ref, exception_id"
        ))?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(14)?, exception_row(r)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn exceptions_by_problem(&self, problems: &[String]) -> Result<Vec<(String, ExceptionRow)>, StoreError> {
        let mut stmt =
            self.conn.prepare_cached(&format!("SELECT {EXCEPTION_COLUMNS} FROM exceptions WHERE problem = ?1"))?;
        let mut out = Vec::new();
        // In key order: neighbouring lookups touch neighbouring pages.
        let mut sorted: Vec<&String> = problems.iter().collect();
        sorted.sort_unstable();
        sorted.dedup();
        for p in sorted {
            if let Some(row) = stmt.query_row([p], exception_row).optional()? {
                out.push((p.clone(), row));
            }
        }
        Ok(out)
    }

    fn pending_postings(&self) -> Result<Vec<PostingRow>, StoreError> {
        let mut stmt = self.conn.prepare(&format!("{POSTING_SELECT} WHERE p.batch_id IS NULL ORDER BY p.seq"))?;
        let rows = stmt.query_map([], |r| posting_state(r).map(|s| s.row))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn invoices(&self) -> Result<Vec<KnownInvoice>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT customer_id, invoice_id, currency, amount_open, status, invoice_date, due_date, amount_original FROM invoices WHERE in_file = 1")?;
        let rows = stmt.query_map([], |r| {
            Ok(KnownInvoice {
                customer_id: r.get(0)?,
                invoice_id: r.get(1)?,
                currency: r.get(2)?,
                amount_open: r.get(3)?,
                status: r.get(4)?,
                invoice_date: r.get(5)?,
                due_date: r.get(6)?,
                amount_original: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn scan_invoices(&self, visit: &mut dyn FnMut(crate::InvoiceView<'_>)) -> Result<(), StoreError> {
        // The primary key (customer_id, invoice_id) of a WITHOUT ROWID
        // table: rows come in its order without sorting, compared with
        // SQLite's BINARY collation (byte order, as Rust compares `str`).
        let mut stmt = self.conn.prepare(
            "SELECT customer_id, invoice_id, currency, amount_open, status, invoice_date, due_date, amount_original \
             FROM invoices WHERE in_file = 1 ORDER BY customer_id, invoice_id",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let (s, o) = (|i| borrowed_text(r, i), |i| borrowed_text_or_null(r, i));
            visit(crate::InvoiceView {
                customer_id: s(0)?,
                invoice_id: s(1)?,
                currency: s(2)?,
                amount_open: s(3)?,
                status: s(4)?,
                invoice_date: o(5)?,
                due_date: o(6)?,
                amount_original: o(7)?,
            });
        }
        Ok(())
    }

    fn undated_invoices(&self) -> Result<u64, StoreError> {
        // Answered from the partial index `invoices_undated`.
        let n: i64 = self.conn.query_row(
            "SELECT count(*) FROM invoices WHERE invoice_date IS NULL AND in_file = 1",
            [],
            |r| r.get(0),
        )?;
        Ok(n.max(0) as u64)
    }

    fn commit_run_when(&mut self, run: &RunRecord, ready: &mut dyn FnMut() -> bool) -> Result<bool, StoreError> {
        self.write_run(Staged::Whole(run), ready)
    }

    fn commit_run_in_stages(
        &mut self,
        run: &mut RunRecord,
        rest: &mut dyn FnMut(&mut RunRecord) -> bool,
        ready: &mut dyn FnMut() -> bool,
    ) -> Result<bool, StoreError> {
        self.write_run(Staged::InStages(run, rest), ready)
    }

    fn run_writer(&self) -> Result<Option<Box<dyn LedgerStore + Send>>, StoreError> {
        Ok(Some(Box::new(SqliteStore::open_for_run(&self.path, false)?)))
    }

    fn confirm(
        &mut self,
        batch_id: &str,
        postings: Option<&[String]>,
        at: &str,
        actor: &str,
    ) -> Result<Confirmed, StoreError> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let exists: bool =
            tx.query_row("SELECT EXISTS (SELECT 1 FROM batches WHERE batch_id = ?1)", [batch_id], |r| r.get(0))?;
        if !exists {
            return Err(StoreError::Refused(format!("no batch {batch_id} in the ledger")));
        }
        let already: i64 = tx.query_row(
            "SELECT count(*) FROM postings WHERE batch_id = ?1 AND confirmed_at IS NOT NULL",
            [batch_id],
            |r| r.get(0),
        )?;
        let confirmed = match postings {
            None => tx.execute(
                "UPDATE postings SET confirmed_at = ?2 WHERE batch_id = ?1 AND confirmed_at IS NULL",
                params![batch_id, at],
            )? as u64,
            Some(ids) => {
                let mut n = 0u64;
                let mut stmt =
                    tx.prepare_cached("SELECT batch_id, confirmed_at IS NOT NULL FROM postings WHERE posting_key = ?2 AND posting_id = ?1")?;
                let mut update = tx.prepare_cached(
                    "UPDATE postings SET confirmed_at = ?2 WHERE posting_key = ?3 AND posting_id = ?1 AND confirmed_at IS NULL",
                )?;
                for id in ids {
                    let key = id_key(id);
                    let found: Option<(Option<String>, bool)> =
                        stmt.query_row(params![id, key], |r| Ok((r.get(0)?, r.get(1)?))).optional()?;
                    match found {
                        Some((Some(b), _)) if b == batch_id => n += update.execute(params![id, at, key])? as u64,
                        Some((b, _)) => {
                            return Err(StoreError::Refused(format!(
                                "posting {id} is not in batch {batch_id} (it is in {})",
                                b.as_deref().unwrap_or("no batch yet")
                            )));
                        }
                        None => return Err(StoreError::Refused(format!("no posting {id} in the ledger"))),
                    }
                }
                n
            }
        };
        let remaining: i64 = tx.query_row(
            "SELECT count(*) FROM postings WHERE batch_id = ?1 AND confirmed_at IS NULL",
            [batch_id],
            |r| r.get(0),
        )?;
        if remaining == 0 {
            tx.execute(
                "UPDATE batches SET confirmed_at = ?2 WHERE batch_id = ?1 AND confirmed_at IS NULL",
                params![batch_id, at],
            )?;
        }
        let (already, remaining) = (already.max(0) as u64, remaining.max(0) as u64);
        let event = Event {
            at: at.to_string(),
            actor: actor.to_string(),
            action: "confirmed".into(),
            detail: format!("{confirmed} line(s) confirmed by the ERP; {remaining} of the batch still unconfirmed"),
            batch_id: Some(batch_id.to_string()),
        };
        insert_event(&tx, "batch", batch_id, &event)?;
        tx.commit()?;
        Ok(Confirmed { confirmed, already, remaining })
    }

    fn adjust(&mut self, a: &Adjustment) -> Result<(), StoreError> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        for p in &a.postings {
            insert_posting(&tx, p, None, &a.event.actor, &a.event.at, None).map_err(|e| match e {
                rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::ConstraintViolation => {
                    StoreError::Refused(format!("posting {} is already offset by an opposite line", p.reverses))
                }
                e => StoreError::Sql(e),
            })?;
        }
        if let Some((receipt, status)) = &a.receipt_status {
            crate::summaries::receipt_status_changes(&tx, receipt, status)?;
            tx.execute(
                "UPDATE receipts SET status = ?2 WHERE receipt_key = ?3 AND receipt_id = ?1",
                params![receipt, status, id_key(receipt)],
            )?;
        }
        for c in &a.status_changes {
            tx.execute("UPDATE exceptions SET status = ?1 WHERE exception_id = ?2", params![c.status, c.exception_id])?;
            let event = Event { action: c.status.clone(), detail: c.note.clone(), ..a.event.clone() };
            insert_event(&tx, "exception", &c.exception_id, &event)?;
        }
        insert_event(&tx, a.object.0, &a.object.1, &a.event)?;
        tx.commit()?;
        Ok(())
    }

    fn posting(&self, posting_id: &str) -> Result<Option<PostingState>, StoreError> {
        Ok(self
            .conn
            .query_row(
                &format!("{POSTING_SELECT} WHERE p.posting_key = ?2 AND p.posting_id = ?1"),
                params![posting_id, id_key(posting_id)],
                posting_state,
            )
            .optional()?)
    }

    fn postings_of_receipt(&self, receipt_id: &str) -> Result<Vec<PostingState>, StoreError> {
        let mut stmt = self.conn.prepare(&format!(
            "{POSTING_SELECT} WHERE p.receipt_seq = (SELECT seq FROM receipts WHERE receipt_key = ?2 AND receipt_id = ?1) ORDER BY p.seq"
        ))?;
        let rows = stmt.query_map(params![receipt_id, id_key(receipt_id)], posting_state)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn postings_of_invoice(&self, invoice_id: &str) -> Result<Vec<PostingState>, StoreError> {
        let mut stmt = self.conn.prepare(&format!("{POSTING_SELECT} WHERE p.invoice_id = ?1 ORDER BY p.seq"))?;
        let rows = stmt.query_map([invoice_id], posting_state)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn receipt(&self, receipt_id: &str) -> Result<Option<ReceiptState>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT r.receipt_id, r.bank_ref, f.name, r.format, r.account, r.value_date, r.currency, r.amount, \
                 r.payer_name, r.customer_id, r.status, r.remittance, r.batch_id, b.created_at FROM receipts r \
                 JOIN batches b ON b.batch_id = r.batch_id JOIN files f ON f.file_id = r.file_id \
                 WHERE r.receipt_key = ?2 AND r.receipt_id = ?1",
                params![receipt_id, id_key(receipt_id)],
                |r| {
                    Ok(ReceiptState {
                        row: ReceiptRow {
                            receipt_id: r.get(0)?,
                            bank_ref: r.get(1)?,
                            source_file: r.get(2)?,
                            format: r.get(3)?,
                            account: r.get(4)?,
                            value_date: r.get(5)?,
                            currency: r.get(6)?,
                            amount: r.get(7)?,
                            payer_name: r.get(8)?,
                            customer_id: r.get(9)?,
                            status: r.get(10)?,
                            remittance: r.get(11)?,
                        },
                        batch_id: r.get(12)?,
                        at: r.get(13)?,
                    })
                },
            )
            .optional()?)
    }

    fn exception(&self, exception_id: &str) -> Result<Option<ExceptionRow>, StoreError> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {EXCEPTION_COLUMNS} FROM exceptions WHERE exception_id = ?1"),
                [exception_id],
                exception_row,
            )
            .optional()?)
    }

    fn exceptions_about(&self, receipt_id: &str, invoice_id: &str) -> Result<Vec<ExceptionRow>, StoreError> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {EXCEPTION_COLUMNS} FROM exceptions WHERE (receipt_id = ?1 AND ?1 <> '') OR (invoice_id = ?2 AND ?2 <> '') \
             ORDER BY value_date, exception_id"
        ))?;
        let rows = stmt.query_map([receipt_id, invoice_id], exception_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn invoice_history(&self, invoice_id: &str) -> Result<Vec<(String, KnownInvoice, String)>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT h.batch_id, h.customer_id, h.invoice_id, coalesce(i.currency, ''), h.amount_open, h.status, h.event \
             FROM invoice_history h LEFT JOIN invoices i USING (customer_id, invoice_id) WHERE h.invoice_id = ?1 ORDER BY h.seq",
        )?;
        let rows = stmt.query_map([invoice_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                KnownInvoice {
                    customer_id: r.get(1)?,
                    invoice_id: r.get(2)?,
                    currency: r.get(3)?,
                    amount_open: r.get(4)?,
                    status: r.get(5)?,
                    ..KnownInvoice::default()
                },
                r.get::<_, String>(6)?,
            ))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn events(&self, object_kind: &str, object_id: &str) -> Result<Vec<Event>, StoreError> {
        // An exception's first event, its raising, is its batch's run.
        let mut stmt = self.conn.prepare(
            "SELECT b.created_at, b.actor, 'raised', e.detail, e.batch_id, 0 AS o, 0 AS s FROM exceptions e \
             JOIN batches b ON b.batch_id = e.batch_id WHERE ?1 = 'exception' AND e.exception_id = ?2 \
             UNION ALL SELECT at, actor, action, detail, batch_id, 1, seq FROM events \
             WHERE object_kind = ?1 AND object_id = ?2 ORDER BY 6, 7",
        )?;
        let rows = stmt.query_map([object_kind, object_id], |r| {
            Ok(Event { at: r.get(0)?, actor: r.get(1)?, action: r.get(2)?, detail: r.get(3)?, batch_id: r.get(4)? })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// Column `i` of a row as borrowed text (no copy).
fn borrowed_text<'r>(row: &'r rusqlite::Row<'_>, i: usize) -> Result<&'r str, StoreError> {
    let v = row.get_ref(i)?;
    Ok(v.as_str().map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, v.data_type(), Box::new(e)))?)
}

/// Column `i` of a row as borrowed text, or `None` for NULL.
fn borrowed_text_or_null<'r>(row: &'r rusqlite::Row<'_>, i: usize) -> Result<Option<&'r str>, StoreError> {
    let v = row.get_ref(i)?;
    Ok(v.as_str_or_null().map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, v.data_type(), Box::new(e)))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_ledger_is_created_at_the_current_schema_version_in_wal_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l.db");
        let store = SqliteStore::open(&path, true).unwrap();
        let v: u32 = store.conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(v, crate::SCHEMA_VERSION);
        let mode: String = store.conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
        assert_eq!(mode, "wal");
        let fk: bool = store.conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0)).unwrap();
        assert!(fk);
    }

    #[test]
    fn a_ledger_from_a_newer_cashapply_is_refused_and_left_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l.db");
        drop(SqliteStore::open(&path, true).unwrap());
        {
            let conn = Connection::open(&path).unwrap();
            conn.pragma_update(None, "user_version", crate::SCHEMA_VERSION + 1).unwrap();
        }
        let err = SqliteStore::open(&path, false).unwrap_err();
        assert!(matches!(err, StoreError::TooNew { .. }), "{err}");
        assert!(err.to_string().contains("newer cashapply"), "{err}");
        let conn = Connection::open(&path).unwrap();
        let v: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(v, crate::SCHEMA_VERSION + 1);
    }

    #[test]
    fn a_missing_ledger_is_not_created_by_a_command_that_only_reads() {
        let dir = tempfile::tempdir().unwrap();
        let err = SqliteStore::open(&dir.path().join("none.db"), false).unwrap_err();
        assert!(matches!(err, StoreError::Missing { .. }));
        assert!(!dir.path().join("none.db").exists());
    }

    fn receipt(id: &str) -> crate::ReceiptRecord {
        crate::ReceiptRecord {
            row: ReceiptRow {
                receipt_id: id.into(),
                bank_ref: format!("REF-{id}"),
                source_file: "day.bai2".into(),
                format: "bai2".into(),
                account: "123".into(),
                value_date: "2026-11-19".into(),
                currency: "USD".into(),
                amount: "100.00".into(),
                payer_name: String::new(),
                customer_id: "C1".into(),
                status: "applied".into(),
                remittance: String::new(),
            },
            occurrence: 1,
            file: 0,
        }
    }

    fn line(id: &str, receipt: &str, kind: &str, invoice: &str, amount: &str) -> PostingRow {
        PostingRow {
            posting_id: id.into(),
            receipt_id: receipt.into(),
            bank_ref: format!("REF-{receipt}"),
            value_date: "2026-11-19".into(),
            currency: "USD".into(),
            customer_id: "C1".into(),
            invoice_id: invoice.into(),
            kind: kind.into(),
            amount: amount.into(),
            rule: "ref_exact".into(),
            confidence: "1.000".into(),
            reverses: String::new(),
            reason: String::new(),
        }
    }

    fn one_run(store: &mut SqliteStore, batch: &str, receipts: &[&str]) {
        let run = RunRecord {
            batch_id: batch.into(),
            at: "2026-11-20T06:00:00Z".into(),
            actor: "test".into(),
            files: vec![crate::FileRecord {
                name: "day.bai2".into(),
                format: "bai2".into(),
                sha256: format!("sha-{batch}"),
                normalised_sha256: format!("norm-{batch}"),
                size: 1,
                receipts_new: receipts.len() as u64,
                receipts_already: 0,
                warnings: Vec::new(),
                statements: Vec::new(),
            }],
            receipts: receipts.iter().map(|r| receipt(r)).collect(),
            postings: receipts.iter().map(|r| line(&format!("P{r}"), r, "applied", "INV-1", "100.00")).collect(),
            ..RunRecord::default()
        };
        store.commit_run(&run).unwrap();
    }

    #[test]
    fn a_committed_run_is_read_back_as_taken_receipts_and_cash_in_flight_until_confirmed() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = SqliteStore::open(&dir.path().join("l.db"), true).unwrap();
        one_run(&mut store, "B1", &["R1", "R2"]);
        let taken = store.taken(&["R1".into(), "R9".into()]).unwrap();
        assert_eq!(taken.len(), 1);
        assert_eq!((taken[0].batch_id.as_str(), taken[0].source_file.as_str()), ("B1", "day.bai2"));
        let flight = store.in_flight().unwrap();
        assert_eq!(flight.len(), 2);
        assert_eq!((flight[0].currency.as_str(), flight[0].amount.as_str()), ("USD", "100.00"));
        let c = store.confirm("B1", Some(&["PR1".to_string()]), "t", "me").unwrap();
        assert_eq!((c.confirmed, c.already, c.remaining), (1, 0, 1));
        assert_eq!(store.in_flight().unwrap().len(), 1);
        let refused = store.confirm("B1", Some(&["PR1".to_string(), "Pnone".to_string()]), "t", "me");
        assert!(matches!(refused, Err(StoreError::Refused(_))));
        // The refusal rolled the whole confirmation back.
        assert_eq!(store.in_flight().unwrap().len(), 1);
        let c = store.confirm("B1", None, "t", "me").unwrap();
        assert_eq!((c.confirmed, c.already, c.remaining), (1, 1, 0));
        assert!(store.in_flight().unwrap().is_empty());
        assert!(store.file_seen("x", "norm-B1").unwrap().is_some_and(|f| !f.identical));
    }

    #[test]
    fn a_posting_can_be_offset_only_once_and_its_opposite_line_waits_for_the_next_batch() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = SqliteStore::open(&dir.path().join("l.db"), true).unwrap();
        one_run(&mut store, "B1", &["R1"]);
        let mut opposite = line("PX", "R1", "applied", "INV-1", "-100.00");
        opposite.reverses = "PR1".into();
        let event = Event {
            at: "t".into(),
            actor: "me".into(),
            action: "unapplied".into(),
            detail: "d".into(),
            batch_id: None,
        };
        let adjustment = crate::Adjustment {
            postings: vec![opposite.clone()],
            receipt_status: None,
            status_changes: Vec::new(),
            object: ("receipt", "R1".into()),
            event,
        };
        store.adjust(&adjustment).unwrap();
        assert!(store.posting("PR1").unwrap().unwrap().reversed);
        assert_eq!(store.pending_postings().unwrap(), vec![opposite.clone()]);
        let mut again = adjustment.clone();
        again.postings[0].posting_id = "PY".into();
        assert!(matches!(store.adjust(&again), Err(StoreError::Refused(_))));
        assert_eq!(store.events("receipt", "R1").unwrap().len(), 1, "the refused action left a history line");
        let carried = RunRecord {
            batch_id: "B2".into(),
            at: "t2".into(),
            actor: "test".into(),
            carried: vec!["PX".into()],
            ..RunRecord::default()
        };
        store.commit_run(&carried).unwrap();
        assert!(store.pending_postings().unwrap().is_empty());
        assert_eq!(store.posting("PX").unwrap().unwrap().batch_id.as_deref(), Some("B2"));
    }

    #[test]
    fn the_lines_no_batch_carries_yet_are_read_from_their_own_index_not_from_a_scan_of_every_posting() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("l.db"), true).unwrap();
        let sql = format!("EXPLAIN QUERY PLAN {POSTING_SELECT} WHERE p.batch_id IS NULL ORDER BY p.seq");
        let mut stmt = store.conn.prepare(&sql).unwrap();
        let plan: Vec<String> = stmt.query_map([], |r| r.get::<_, String>(3)).unwrap().map(Result::unwrap).collect();
        assert!(plan.iter().any(|step| step.contains("USING INDEX postings_pending")), "{plan:?}");
        assert!(!plan.iter().any(|step| step == "SCAN p"), "{plan:?}");
    }

    #[test]
    fn a_runs_commit_is_synced_in_the_log_and_left_there_until_the_next_runs_checkpoint_copies_it_into_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l.db");
        let wal = dir.path().join("l.db-wal");
        let mut store = SqliteStore::open_for_run(&path, true).unwrap();
        let sync: i64 = store.conn.query_row("PRAGMA synchronous", [], |r| r.get(0)).unwrap();
        assert_eq!(sync, 2, "FULL: the log is synced at each commit");
        one_run(&mut store, "B1", &["R1", "R2"]);
        drop(store);
        // Closed without a checkpoint: the run is in the log only.
        assert!(std::fs::metadata(&wal).unwrap().len() > 0);
        let file_alone = dir.path().join("file-alone.db");
        std::fs::copy(&path, &file_alone).unwrap();
        let batches: i64 = Connection::open(&file_alone)
            .unwrap()
            .query_row("SELECT count(*) FROM sqlite_master WHERE name = 'batches'", [], |r| r.get(0))
            .unwrap();
        assert_eq!(batches, 0, "the file alone holds nothing of the run yet");
        // Read from the log meanwhile.
        assert_eq!(SqliteStore::open(&path, false).unwrap().taken(&["R1".into()]).unwrap().len(), 1);
        let mut store = SqliteStore::open_for_run(&path, false).unwrap();
        one_run(&mut store, "B2", &["R3"]);
        drop(store);
        let done = checkpoint(&path).unwrap().unwrap();
        assert!(done.complete && done.log_pages > 0 && done.copied == done.log_pages, "{done:?}");
        assert_eq!(std::fs::metadata(&wal).map_or(0, |m| m.len()), 0, "the log is emptied");
        std::fs::copy(&path, &file_alone).unwrap();
        let alone = SqliteStore::open(&file_alone, false).unwrap();
        assert_eq!(alone.taken(&["R1".into(), "R3".into()]).unwrap().len(), 2, "both runs are in the file now");
        assert_eq!(checkpoint(&dir.path().join("none.db")).unwrap(), None);
        assert!(!dir.path().join("none.db").exists(), "no ledger is created by a checkpoint");
    }

    #[test]
    fn the_online_backup_holds_the_same_batches() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = SqliteStore::open(&dir.path().join("l.db"), true).unwrap();
        let run = RunRecord { batch_id: "B1".into(), at: "t".into(), actor: "me".into(), ..RunRecord::default() };
        store.commit_run(&run).unwrap();
        let copy = dir.path().join("copy.db");
        store.backup(&copy).unwrap();
        let other = SqliteStore::open(&copy, false).unwrap();
        assert_eq!(other.last_batch().unwrap().as_deref(), Some("B1"));
    }
}
