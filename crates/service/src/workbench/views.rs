//! Saved views: a person names the queue's current filters and sort and
//! finds them again as links. Only the filters and the sort are kept (never
//! a page or a position), checked as the queue checks them and written back
//! in one canonical order, so a saved view always opens as a valid queue.

use cashapply_store::{SavedView, WorkbenchStore};
use chrono::NaiveDate;

use super::queue::QueueParams;
use super::{Actor, WorkError};

/// The longest name a view may have, in characters.
pub const MAX_NAME: usize = 60;

/// The query string a view keeps for `params`: filters and sort only.
pub fn view_query(params: &QueueParams) -> String {
    let mut p = params.clone();
    p.page = None;
    p.after = None;
    p.before = None;
    p.query_string(false)
}

fn user_id(store: &dyn WorkbenchStore, me: &Actor) -> Result<i64, WorkError> {
    Ok(store.user(&me.name)?.ok_or_else(|| WorkError::NotFound(format!("no user {}", me.name)))?.user_id)
}

/// Saves `params` (filters and sort) under `name` for `me`; a view of the
/// same name is replaced. The name: 1 to 60 characters, no control
/// characters; the filters must be ones the queue accepts.
pub fn save(
    store: &mut dyn WorkbenchStore,
    me: &Actor,
    name: &str,
    params: &QueueParams,
    today: NaiveDate,
    at: &str,
) -> Result<SavedView, WorkError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME || name.chars().any(char::is_control) {
        return Err(WorkError::Invalid(format!(
            "view name {name:?}: 1 to {MAX_NAME} characters, no control characters"
        )));
    }
    params.to_query(me, today)?;
    let query = view_query(params);
    let id = user_id(store, me)?;
    let view_id = store.save_view(id, name, &query, at)?;
    Ok(SavedView { view_id, name: name.to_string(), query })
}

/// `me`'s saved views, by name.
pub fn list(store: &dyn WorkbenchStore, me: &Actor) -> Result<Vec<SavedView>, WorkError> {
    Ok(store.views(user_id(store, me)?)?)
}

/// Deletes one of `me`'s views (another person's is not found).
pub fn delete(store: &mut dyn WorkbenchStore, me: &Actor, view_id: i64) -> Result<(), WorkError> {
    let id = user_id(store, me)?;
    store.delete_view(id, view_id).map_err(|e| match e {
        cashapply_store::StoreError::Refused(m) => WorkError::NotFound(m),
        e => WorkError::Store(e),
    })
}
