//! Horizontal bar charts as SVG, for reports people read. A bar whose count is protected
//! (fewer than the threshold, or withheld) is drawn as no bar, with its words instead of a
//! number, so the chart never shows what the table hides.

use docket_domain::statistics::suppression::Shown;
use std::fmt::Write;

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One bar per row; `id` names the chart's title element for `aria-labelledby`.
pub fn bars(id: &str, title: &str, rows: &[(String, Shown)]) -> String {
    let (w, row, left, top) = (640usize, 22usize, 210usize, 8usize);
    let most = rows
        .iter()
        .filter_map(|(_, s)| s.exact())
        .max()
        .unwrap_or(0)
        .max(1) as usize;
    let h = top + rows.len() * row + 8;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-labelledby=\"{id}\"><title id=\"{id}\">{}</title>",
        escape(title)
    );
    let span = w - left - 110;
    for (i, (label, shown)) in rows.iter().enumerate() {
        let y = top + i * row;
        let _ = write!(
            svg,
            "<text x=\"0\" y=\"{}\" font-size=\"12\" font-family=\"sans-serif\">{}</text>",
            y + row - 8,
            escape(label)
        );
        let len = shown.exact().map_or(0, |n| n as usize * span / most);
        if len > 0 {
            let _ = write!(
                svg,
                "<rect x=\"{left}\" y=\"{}\" width=\"{len}\" height=\"{}\" fill=\"#1d4f91\"/>",
                y + 2,
                row - 6
            );
        }
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" font-size=\"12\" font-family=\"sans-serif\">{}</text>",
            left + len + 4,
            y + row - 8,
            escape(&shown.text())
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_protected_bar_is_drawn_as_words_not_a_length() {
        let svg = bars(
            "t",
            "Outcomes <by sanction>",
            &[
                ("expulsion".into(), Shown::Count { count: 40 }),
                ("warning".into(), Shown::FewerThan { threshold: 5 }),
            ],
        );
        assert!(svg.contains("Outcomes &lt;by sanction&gt;"));
        assert_eq!(svg.matches("<rect").count(), 1, "one bar only");
        assert!(svg.contains(">fewer than 5<"));
        assert!(!svg.contains(">2<"));
    }
}
