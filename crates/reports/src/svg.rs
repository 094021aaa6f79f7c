//! Charts as server-side SVG strings, each with its numbers in a table
//! beside it (CONTRACT §8; the workbench embeds them): aging as a stacked
//! bar per currency, DSO and CEI as lines over months, the daily
//! straight-through rate and the exception backlog as lines. Geometry is
//! computed in decimals and printed to one decimal; no floating point.

use std::fmt::Write as _;

use rust_decimal::Decimal;

use crate::ReportError;
use crate::render::cell_text;
use crate::report::{Cell, ColumnKind, Report, Table};

/// A named line: (x label, value or none) in order.
type Series = (String, Vec<(String, Option<Decimal>)>);

const COLOURS: [&str; 8] = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#9c755f"];
const CHART_W: i64 = 420;
const CHART_H: i64 = 200;
const PANEL_H: i64 = 300;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn px(d: Decimal) -> String {
    d.round_dp(1).normalize().to_string()
}

/// A numbers table beside a chart: `rows` of texts, at `x`, `y`.
fn numbers(out: &mut String, x: i64, y: i64, header: &[String], rows: &[Vec<String>]) {
    let _ = writeln!(out, "<g class=\"numbers\" font-family=\"monospace\" font-size=\"11\">");
    let widths: Vec<usize> = (0..header.len())
        .map(|i| rows.iter().map(|r| r.get(i).map_or(0, String::len)).chain([header[i].len()]).max().unwrap_or(0))
        .collect();
    for (i, r) in std::iter::once(header.to_vec()).chain(rows.iter().cloned()).enumerate() {
        let mut cx = x;
        for (j, cell) in r.iter().enumerate() {
            let weight = if i == 0 { " font-weight=\"bold\"" } else { "" };
            let _ = writeln!(out, "<text x=\"{cx}\" y=\"{}\"{weight}>{}</text>", y + 14 * i as i64, esc(cell));
            cx += 7 * widths.get(j).copied().unwrap_or(0) as i64 + 14;
        }
    }
    let _ = writeln!(out, "</g>");
}

fn frame(title: &str, y: i64, out: &mut String) {
    let _ =
        writeln!(out, "<text x=\"10\" y=\"{}\" font-size=\"14\" font-weight=\"bold\">{}</text>", y + 16, esc(title));
}

/// The numbers of a panel: a header and rows of texts.
type Numbers = (Vec<String>, Vec<Vec<String>>);

/// Stacked bar of one aging table's TOTAL row; returns the buckets' numbers.
fn aging_panel(t: &Table, y: i64, out: &mut String) -> Numbers {
    frame(&t.name, y, out);
    let header = vec!["bucket".to_string(), format!("amount {}", t.currency.clone().unwrap_or_default())];
    let Some(total_row) = t.row_of("TOTAL") else { return (header, Vec::new()) };
    // Buckets are the columns between customer_id and `total`.
    let end = t.columns.iter().position(|c| c.name == "total").unwrap_or(t.columns.len());
    let mut parts = Vec::new();
    for (i, c) in t.columns.iter().enumerate().take(end).skip(1) {
        if let Some(Cell::Number(v)) = t.rows[total_row].get(i) {
            parts.push((c.name.clone(), *v));
        }
    }
    let positive: Decimal = parts.iter().map(|(_, v)| (*v).max(Decimal::ZERO)).sum();
    let mut x = Decimal::from(10);
    let width = Decimal::from(CHART_W);
    for (i, (name, v)) in parts.iter().enumerate() {
        if *v <= Decimal::ZERO || positive.is_zero() {
            continue;
        }
        let w = *v / positive * width;
        let _ = writeln!(
            out,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"40\" fill=\"{}\"><title>{} {}</title></rect>",
            px(x),
            y + 40,
            px(w),
            COLOURS[i % COLOURS.len()],
            esc(name),
            cell_text(&Cell::Number(*v), ColumnKind::Money, t.currency.as_deref())
        );
        x += w;
    }
    for (i, (name, _)) in parts.iter().enumerate() {
        let lx = 10 + (i as i64 % 4) * 105;
        let ly = y + 100 + (i as i64 / 4) * 16;
        let _ = writeln!(
            out,
            "<rect x=\"{lx}\" y=\"{}\" width=\"10\" height=\"10\" fill=\"{}\"/>",
            ly - 9,
            COLOURS[i % COLOURS.len()]
        );
        let _ = writeln!(out, "<text x=\"{}\" y=\"{ly}\" font-size=\"11\">{}</text>", lx + 14, esc(name));
    }
    let rows: Vec<Vec<String>> = parts
        .iter()
        .map(|(n, v)| vec![n.clone(), cell_text(&Cell::Number(*v), ColumnKind::Money, t.currency.as_deref())])
        .collect();
    (header, rows)
}

/// A line per series: points (x label, value) in order; returns the numbers.
fn line_panel(title: &str, series: &[Series], kind: ColumnKind, y: i64, out: &mut String) -> Numbers {
    frame(title, y, out);
    let labels: Vec<String> =
        series.first().map(|(_, p)| p.iter().map(|(l, _)| l.clone()).collect()).unwrap_or_default();
    let mut header = vec!["".to_string()];
    header.extend(series.iter().map(|(n, _)| n.clone()));
    let rows: Vec<Vec<String>> = labels
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let mut r = vec![l.clone()];
            r.extend(series.iter().map(|(_, p)| {
                p.get(i).and_then(|(_, v)| *v).map_or("–".to_string(), |v| cell_text(&Cell::Number(v), kind, None))
            }));
            r
        })
        .collect();
    let values: Vec<Decimal> = series.iter().flat_map(|(_, p)| p.iter().filter_map(|(_, v)| *v)).collect();
    let (Some(min), Some(max)) = (values.iter().min().copied(), values.iter().max().copied()) else {
        let _ =
            writeln!(out, "<text x=\"10\" y=\"{}\" font-size=\"12\">no figures the history supports</text>", y + 60);
        return (header, rows);
    };
    let min = min.min(Decimal::ZERO);
    let span = if max == min { Decimal::ONE } else { max - min };
    let n = Decimal::from((labels.len() as i64 - 1).max(1));
    let top = Decimal::from(y + 30);
    let h = Decimal::from(CHART_H);
    let _ = writeln!(
        out,
        "<line x1=\"40\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#999\"/>",
        px(top + h),
        40 + CHART_W - 30,
        px(top + h)
    );
    let _ = writeln!(out, "<text x=\"4\" y=\"{}\" font-size=\"10\">{}</text>", px(top + Decimal::from(10)), px(max));
    let _ = writeln!(out, "<text x=\"4\" y=\"{}\" font-size=\"10\">{}</text>", px(top + h), px(min));
    for (si, (name, points)) in series.iter().enumerate() {
        let colour = COLOURS[si % COLOURS.len()];
        let coords: Vec<String> = points
            .iter()
            .enumerate()
            .filter_map(|(i, (_, v))| {
                let v = (*v)?;
                let x = Decimal::from(40) + Decimal::from(i as i64) / n * Decimal::from(CHART_W - 70);
                let yy = top + h - (v - min) / span * h;
                Some(format!("{},{}", px(x), px(yy)))
            })
            .collect();
        let _ = writeln!(
            out,
            "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{}\"/>",
            coords.join(" ")
        );
        for c in &coords {
            let (cx, cy) = c.split_once(',').unwrap_or(("0", "0"));
            let _ = writeln!(out, "<circle cx=\"{cx}\" cy=\"{cy}\" r=\"3\" fill=\"{colour}\"/>");
        }
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"{colour}\">{}</text>",
            40 + 110 * si as i64,
            y + 30 + CHART_H + 30,
            esc(name)
        );
    }
    if let (Some(a), Some(b)) = (labels.first(), labels.last()) {
        let _ = writeln!(out, "<text x=\"40\" y=\"{}\" font-size=\"10\">{}</text>", y + 30 + CHART_H + 14, esc(a));
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" font-size=\"10\" text-anchor=\"end\">{}</text>",
            40 + CHART_W - 30,
            y + 30 + CHART_H + 14,
            esc(b)
        );
    }
    (header, rows)
}

/// The per-currency tables whose name starts with `prefix`.
fn currency_tables<'a>(report: &'a Report, prefix: &'a str) -> impl Iterator<Item = &'a Table> + 'a {
    report.tables.iter().filter(move |t| t.name.starts_with(prefix) && t.currency.is_some())
}

fn column(t: &Table, name: &str) -> Option<usize> {
    t.columns.iter().position(|c| c.name == name)
}

fn series_of(t: &Table, x: &str, y: &str) -> Vec<(String, Option<Decimal>)> {
    let (Some(xi), Some(yi)) = (column(t, x), column(t, y)) else { return Vec::new() };
    t.rows
        .iter()
        .map(|r| {
            let label = r.get(xi).map_or(String::new(), |c| cell_text(c, ColumnKind::Text, None));
            let v = match r.get(yi) {
                Some(Cell::Number(v)) => Some(*v),
                Some(Cell::Count(n)) => Some(Decimal::from(*n)),
                _ => None,
            };
            (label, v)
        })
        .collect()
}

/// KPI: one series per bank format of `measure`, over the days.
fn kpi_series(t: &Table, measure: &str) -> Vec<Series> {
    let (Some(di), Some(fi), Some(mi)) = (column(t, "day"), column(t, "format"), column(t, measure)) else {
        return Vec::new();
    };
    let mut days: Vec<String> =
        t.rows.iter().filter_map(|r| r.get(di)).map(|c| cell_text(c, ColumnKind::Text, None)).collect();
    days.sort();
    days.dedup();
    let mut formats: Vec<String> =
        t.rows.iter().filter_map(|r| r.get(fi)).map(|c| cell_text(c, ColumnKind::Text, None)).collect();
    formats.sort();
    formats.dedup();
    formats
        .into_iter()
        .map(|f| {
            let points = days
                .iter()
                .map(|d| {
                    let v = t.rows.iter().find(|r| {
                        r.get(di).map(|c| cell_text(c, ColumnKind::Text, None)).as_deref() == Some(d.as_str())
                            && r.get(fi).map(|c| cell_text(c, ColumnKind::Text, None)).as_deref() == Some(f.as_str())
                    });
                    let v = v.and_then(|r| match r.get(mi) {
                        Some(Cell::Number(v)) => Some(*v),
                        Some(Cell::Count(n)) => Some(Decimal::from(*n)),
                        _ => None,
                    });
                    (d.clone(), v)
                })
                .collect();
            (f, points)
        })
        .collect()
}

/// A panel of a report's chart.
enum Panel<'a> {
    /// Aging stacked bar of one currency's table.
    Aging(&'a Table),
    /// Lines over days or months.
    Lines(String, Vec<Series>),
}

impl Panel<'_> {
    fn title(&self) -> String {
        match self {
            Panel::Aging(t) => t.name.clone(),
            Panel::Lines(title, _) => title.clone(),
        }
    }

    /// Draws the panel at `y`; returns its numbers and where they go (y).
    fn draw(&self, y: i64, out: &mut String) -> (Numbers, i64) {
        match self {
            Panel::Aging(t) => (aging_panel(t, y, out), y + 40),
            Panel::Lines(title, series) => (line_panel(title, series, ColumnKind::Figure, y, out), y + 30),
        }
    }

    fn height(&self) -> i64 {
        match self {
            Panel::Aging(_) => PANEL_H - 120,
            Panel::Lines(..) => PANEL_H,
        }
    }
}

/// The panels of a report's chart, in order.
fn panels(report: &Report) -> Result<Vec<Panel<'_>>, ReportError> {
    let mut out = Vec::new();
    match report.name.as_str() {
        "aging" => out.extend(currency_tables(report, "aging ").map(Panel::Aging)),
        "dso" => {
            for t in currency_tables(report, "dso by month ") {
                out.push(Panel::Lines(
                    format!("{} (days)", t.name),
                    vec![("dso_simple".into(), series_of(t, "month_end", "dso_simple"))],
                ));
            }
        }
        "cei" => {
            for t in currency_tables(report, "cei ") {
                out.push(Panel::Lines(
                    format!("{} (%)", t.name),
                    vec![("cei_percent".into(), series_of(t, "month", "cei_percent"))],
                ));
            }
        }
        "kpi" => {
            for t in currency_tables(report, "kpi ") {
                out.push(Panel::Lines(
                    format!("{}: straight-through %", t.name),
                    kpi_series(t, "straight_through_percent"),
                ));
                out.push(Panel::Lines(
                    format!("{}: exceptions open over 1 business day", t.name),
                    kpi_series(t, "open_over_1_business_day"),
                ));
            }
        }
        other => {
            return Err(ReportError::Render(format!(
                "no chart for report {other}: svg is for aging, dso, cei and kpi"
            )));
        }
    }
    Ok(out)
}

/// The SVG document of a report (`aging`, `dso`, `cei`, `kpi`): every
/// panel, each with its numbers printed beside it.
pub fn svg(report: &Report) -> Result<String, ReportError> {
    let mut body = String::new();
    let mut y = 30;
    for p in panels(report)? {
        let ((header, rows), ny) = p.draw(y, &mut body);
        numbers(&mut body, CHART_W + 40, ny, &header, &rows);
        y += p.height();
    }
    let mut out = String::new();
    let height = y + 20;
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"960\" height=\"{height}\" viewBox=\"0 0 960 {height}\" font-family=\"sans-serif\" role=\"img\">"
    );
    let _ = writeln!(out, "<title>{}</title>", esc(&format!("{} as of {}", report.name, report.as_of)));
    let _ = writeln!(out, "<desc>{}</desc>", esc(&report.definition.join(" ")));
    let _ = writeln!(
        out,
        "<text x=\"10\" y=\"16\" font-size=\"12\">{}</text>",
        esc(&format!("report {} as of {}", report.name, report.as_of))
    );
    out.push_str(&body);
    out.push_str("</svg>\n");
    Ok(out)
}

/// One chart of a report for a web page: a standalone SVG of the chart
/// alone, and its numbers for a table beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chart {
    /// The panel's title.
    pub title: String,
    /// The SVG (chart only, no numbers in it).
    pub svg: String,
    /// The numbers' column names.
    pub header: Vec<String>,
    /// The numbers, as presented (rounded once).
    pub rows: Vec<Vec<String>>,
}

/// The charts of a report (`aging`, `dso`, `cei`, `kpi`), one per panel.
pub fn charts(report: &Report) -> Result<Vec<Chart>, ReportError> {
    let mut out = Vec::new();
    for p in panels(report)? {
        let mut body = String::new();
        let ((header, rows), _) = p.draw(0, &mut body);
        // Alone, an aging bar needs only its legend below it, and a line
        // chart without figures only its sentence.
        let h = match &p {
            Panel::Aging(_) => 140,
            Panel::Lines(_, series) if series.iter().all(|(_, pts)| pts.iter().all(|(_, v)| v.is_none())) => 80,
            Panel::Lines(..) => p.height(),
        };
        let w = CHART_W + 30;
        let title = p.title();
        let svg = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"sans-serif\" role=\"img\" aria-label=\"{}\">\n{body}</svg>\n",
            esc(&title)
        );
        out.push(Chart { title, svg, header, rows });
    }
    Ok(out)
}
