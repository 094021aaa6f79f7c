//! The pages' templates, compiled into the binary. Names end in `.html`,
//! so MiniJinja escapes every value written into them.

use minijinja::Environment;

/// The templates and static files.
pub fn environment() -> Result<Environment<'static>, minijinja::Error> {
    let mut env = Environment::new();
    env.add_template("base.html", include_str!("../templates/base.html"))?;
    env.add_template("login.html", include_str!("../templates/login.html"))?;
    env.add_template("queue.html", include_str!("../templates/queue.html"))?;
    env.add_template("exception.html", include_str!("../templates/exception.html"))?;
    env.add_template("rules.html", include_str!("../templates/rules.html"))?;
    env.add_template("approvals.html", include_str!("../templates/approvals.html"))?;
    env.add_template("reports.html", include_str!("../templates/reports.html"))?;
    Ok(env)
}

/// The style sheet.
pub const CSS: &str = include_str!("../static/app.css");
/// The script (keyboard shortcuts, split balance).
pub const JS: &str = include_str!("../static/app.js");
