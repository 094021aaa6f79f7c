//! Age in business days: the days Monday to Friday after the value date up
//! to and including today (no holiday calendar). A receipt of Friday is one
//! business day old on Monday.

use chrono::{Datelike, Days, NaiveDate, Weekday};

fn is_business_day(d: NaiveDate) -> bool {
    !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// Business days after `from` up to and including `to` (0 when `to` is not
/// after `from`).
pub fn business_days_between(from: NaiveDate, to: NaiveDate) -> u32 {
    if to <= from {
        return 0;
    }
    let days = (to - from).num_days();
    let (weeks, rest) = (days / 7, days % 7);
    let mut n = (weeks * 5) as u32;
    let mut d = from;
    for _ in 0..rest {
        d = d.checked_add_days(Days::new(1)).unwrap_or(d);
        if is_business_day(d) {
            n += 1;
        }
    }
    n
}

/// The latest value date that is at least `age` business days old today.
pub fn value_date_for_age(today: NaiveDate, age: u32) -> NaiveDate {
    let mut d = today;
    let mut left = age;
    // Walk back whole weeks first, then day by day.
    d = d.checked_sub_days(Days::new(u64::from(left / 5) * 7)).unwrap_or(NaiveDate::MIN);
    left %= 5;
    while left > 0 {
        d = d.checked_sub_days(Days::new(1)).unwrap_or(NaiveDate::MIN);
        if d == NaiveDate::MIN {
            break;
        }
        if is_business_day(d) {
            left -= 1;
        }
    }
    // Weekend days before a business day are as old as that day.
    while business_days_between(d, today) < age && d > NaiveDate::MIN {
        d = d.checked_sub_days(Days::new(1)).unwrap_or(NaiveDate::MIN);
    }
    while let Some(next) = d.checked_add_days(Days::new(1))
        && next < today
        && business_days_between(next, today) >= age
    {
        d = next;
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_friday_receipt_is_one_business_day_old_on_monday() {
        assert_eq!(business_days_between(d("2026-12-04"), d("2026-12-07")), 1);
        assert_eq!(business_days_between(d("2026-12-04"), d("2026-12-05")), 0);
        assert_eq!(business_days_between(d("2026-12-07"), d("2026-12-07")), 0);
        assert_eq!(business_days_between(d("2026-11-30"), d("2026-12-14")), 10);
    }

    #[test]
    fn the_value_date_for_an_age_is_the_latest_date_that_old() {
        let today = d("2026-12-07"); // Monday
        for age in 0..30 {
            let v = value_date_for_age(today, age);
            assert!(business_days_between(v, today) >= age, "age {age}: {v}");
            let next = v.succ_opt().unwrap();
            assert!(next >= today || business_days_between(next, today) < age, "age {age}: {v} not the latest");
        }
    }
}
