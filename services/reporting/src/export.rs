//! A report as a file for the monthly report to the city: CSV (UTF-8 with a byte-order mark,
//! so spreadsheet programs read the Vietnamese) and XLSX (`rust_xlsxwriter`: a sheet of the
//! measures by group with the total, and a sheet of dialogue compliance). Headers in the
//! reader's language, Vietnamese first.

use crate::report::Measures;
use crate::reports::Report;
use doithoai_web::Lang;
use rust_xlsxwriter::{Format, Workbook};

/// A column of the measures: its Vietnamese and English header and its value.
struct Column {
    vi: &'static str,
    en: &'static str,
    value: fn(&Measures) -> Cell,
}

enum Cell {
    Int(i64),
    Num(Option<f64>),
    Flag(Option<bool>),
}

const COLUMNS: &[Column] = &[
    Column {
        vi: "Tiếp nhận",
        en: "Received",
        value: |m| Cell::Int(m.received),
    },
    Column {
        vi: "Thụ lý",
        en: "Accepted",
        value: |m| Cell::Int(m.accepted),
    },
    Column {
        vi: "Không tiếp nhận",
        en: "Not accepted",
        value: |m| Cell::Int(m.not_accepted),
    },
    Column {
        vi: "Từ chối",
        en: "Refused",
        value: |m| Cell::Int(m.refused),
    },
    Column {
        vi: "Chuyển cơ quan khác",
        en: "Transferred",
        value: |m| Cell::Int(m.transferred),
    },
    Column {
        vi: "Đã trả lời",
        en: "Answered",
        value: |m| Cell::Int(m.answered),
    },
    Column {
        vi: "Trả lời đúng hạn",
        en: "Answered on time",
        value: |m| Cell::Int(m.answered_on_time),
    },
    Column {
        vi: "Trả lời trễ hạn",
        en: "Answered late",
        value: |m| Cell::Int(m.answered_late),
    },
    Column {
        vi: "Tỷ lệ đúng hạn (%)",
        en: "On-time rate (%)",
        value: |m| Cell::Num(m.on_time_rate),
    },
    Column {
        vi: "Trung vị số ngày trả lời",
        en: "Median days to answer",
        value: |m| Cell::Num(m.median_days_to_answer),
    },
    Column {
        vi: "Quá hạn hiện tại",
        en: "Overdue now",
        value: |m| Cell::Int(m.overdue_now),
    },
    Column {
        vi: "Lượt đánh giá",
        en: "Ratings",
        value: |m| Cell::Int(m.ratings),
    },
    Column {
        vi: "Chỉ số hài lòng (%)",
        en: "Satisfaction index (%)",
        value: |m| Cell::Num(m.satisfaction_index),
    },
    Column {
        vi: "Đạt mục tiêu 86%",
        en: "Meets the 86% target",
        value: |m| Cell::Flag(m.meets_satisfaction_target),
    },
];

fn group_header(r: &Report, lang: Lang) -> &'static str {
    use crate::report::Dimension::*;
    match r.by {
        Unit => lang.pick("Đơn vị", "Unit"),
        Field => lang.pick("Lĩnh vực", "Field"),
        Department => lang.pick("Phòng, ban", "Department"),
        Month => lang.pick("Tháng", "Month"),
    }
}

fn text(c: &Cell, lang: Lang) -> String {
    match c {
        Cell::Int(n) => n.to_string(),
        Cell::Num(Some(x)) => format!("{x}"),
        Cell::Flag(Some(b)) => lang
            .pick(
                if *b { "Có" } else { "Không" },
                if *b { "Yes" } else { "No" },
            )
            .to_owned(),
        Cell::Num(None) | Cell::Flag(None) => String::new(),
    }
}

/// The file name: `bao-cao-pakn_<from>_<to>.<ext>`.
pub fn file_name(r: &Report, ext: &str) -> String {
    let scope = r.unit.as_deref().unwrap_or("ha-noi");
    format!("bao-cao-pakn_{scope}_{}_{}.{ext}", r.from, r.to)
}

/// The report as CSV.
pub fn csv(r: &Report, lang: Lang) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::from("\u{feff}".as_bytes());
    {
        let mut w = csv::Writer::from_writer(&mut out);
        let mut header = vec![group_header(r, lang)];
        header.extend(COLUMNS.iter().map(|c| lang.pick(c.vi, c.en)));
        w.write_record(&header)?;
        for g in &r.rows {
            let mut rec = vec![g.name.clone()];
            rec.extend(COLUMNS.iter().map(|c| text(&(c.value)(&g.measures), lang)));
            w.write_record(&rec)?;
        }
        let mut rec = vec![lang.pick("Tổng cộng", "Total").to_owned()];
        rec.extend(COLUMNS.iter().map(|c| text(&(c.value)(&r.totals), lang)));
        w.write_record(&rec)?;
        w.flush()?;
    }
    Ok(out)
}

/// The report as an XLSX workbook.
pub fn xlsx(r: &Report, lang: Lang) -> anyhow::Result<Vec<u8>> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = book.add_worksheet();
    sheet.set_name(lang.pick("Báo cáo PAKN", "PAKN report"))?;
    let title = format!(
        "{} {} – {}",
        lang.pick(
            "Báo cáo tiếp nhận, xử lý phản ánh, kiến nghị",
            "Report on feedback and recommendations"
        ),
        r.from.format("%d/%m/%Y"),
        r.to.format("%d/%m/%Y")
    );
    sheet.write_string_with_format(0, 0, &title, &bold)?;
    let head_row = 2;
    sheet.write_string_with_format(head_row, 0, group_header(r, lang), &bold)?;
    for (i, c) in COLUMNS.iter().enumerate() {
        sheet.write_string_with_format(head_row, col(i + 1)?, lang.pick(c.vi, c.en), &bold)?;
    }
    let mut row = head_row + 1;
    let put = |sheet: &mut rust_xlsxwriter::Worksheet,
               row: u32,
               name: &str,
               m: &Measures,
               f: Option<&Format>|
     -> anyhow::Result<()> {
        match f {
            Some(f) => sheet.write_string_with_format(row, 0, name, f)?,
            None => sheet.write_string(row, 0, name)?,
        };
        for (i, c) in COLUMNS.iter().enumerate() {
            let at = col(i + 1)?;
            match (c.value)(m) {
                Cell::Int(n) => {
                    sheet.write_number(row, at, n as f64)?;
                }
                Cell::Num(Some(x)) => {
                    sheet.write_number(row, at, x)?;
                }
                flag @ Cell::Flag(Some(_)) => {
                    sheet.write_string(row, at, text(&flag, lang))?;
                }
                Cell::Num(None) | Cell::Flag(None) => {}
            }
        }
        Ok(())
    };
    for g in &r.rows {
        put(sheet, row, &g.name, &g.measures, None)?;
        row += 1;
    }
    put(
        sheet,
        row,
        lang.pick("Tổng cộng", "Total"),
        &r.totals,
        Some(&bold),
    )?;
    sheet.set_column_width(0, 34)?;
    sheet.set_freeze_panes(head_row + 1, 1)?;

    let d = book.add_worksheet();
    d.set_name(lang.pick("Đối thoại", "Dialogues"))?;
    let heads = [
        lang.pick("Đơn vị", "Unit"),
        lang.pick("Đúng quy định", "On track"),
        lang.pick("Số hội nghị trong kỳ", "Held in the period"),
        lang.pick("Số hội nghị trong năm", "Held this year"),
        lang.pick("Hội nghị gần nhất", "Last held"),
        lang.pick("Hội nghị kế tiếp", "Next planned"),
        lang.pick("Lý do", "Reasons"),
    ];
    for (i, h) in heads.iter().enumerate() {
        d.write_string_with_format(0, col(i)?, *h, &bold)?;
    }
    let tz = doithoai_calendar::vietnam();
    let day = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map(|t| t.with_timezone(&tz).format("%d/%m/%Y").to_string())
            .unwrap_or_default()
    };
    for (i, u) in r.dialogue.per_unit.iter().enumerate() {
        let row = u32::try_from(i + 1)?;
        d.write_string(row, 0, &u.name)?;
        d.write_string(row, 1, text(&Cell::Flag(Some(u.on_track)), lang))?;
        d.write_number(row, 2, u.held_in_period as f64)?;
        d.write_number(row, 3, u.held_this_year as f64)?;
        d.write_string(row, 4, day(u.last))?;
        d.write_string(row, 5, day(u.next))?;
        let reasons: Vec<&str> = u
            .reasons
            .iter()
            .map(|c| doithoai_web::templates::label_of(c).map_or(*c, |(vi, en)| lang.pick(vi, en)))
            .collect();
        d.write_string(row, 6, reasons.join("; "))?;
    }
    d.set_column_width(0, 34)?;
    Ok(book.save_to_buffer()?)
}

fn col(i: usize) -> anyhow::Result<u16> {
    Ok(u16::try_from(i)?)
}
