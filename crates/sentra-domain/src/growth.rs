//! Naik kelas: the figures a business reports each year (or quarter) — sales, capital,
//! employees, the channels it sold through, financing — the size class changes they imply
//! (PP 7/2021 Pasal 35), and finer milestones, since the size bands are too wide to show a
//! year's progress (a warung going from Rp50 juta to Rp500 juta of modal stays "mikro").

use chrono::{Datelike, NaiveDate};

use crate::error::{FieldErrors, Invalid};
use crate::money::parse_rupiah;
use crate::size::{SizeBasis, SizeClass, SizeDecision, class_by_modal, class_by_sales};
use crate::umkm::{optional, parse_count};

/// A reporting period: a whole year, or one quarter of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Period {
    pub year: i32,
    /// 1–4; `None` for the whole year.
    pub quarter: Option<u8>,
}

impl Period {
    /// Orders periods in time; a whole year sorts after its fourth quarter (it ends with it).
    pub fn sort_key(self) -> (i32, u8) {
        (self.year, self.quarter.unwrap_or(5))
    }

    /// The last day of the period.
    pub fn end(self) -> NaiveDate {
        let month = self.quarter.map_or(12, |q| u32::from(q) * 3);
        let next = if month == 12 {
            NaiveDate::from_ymd_opt(self.year + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(self.year, month + 1, 1)
        };
        next.and_then(|d| d.pred_opt()).unwrap_or(NaiveDate::MAX)
    }

    /// `2025` or `2025-T2` (triwulan).
    pub fn label(self) -> String {
        match self.quarter {
            None => self.year.to_string(),
            Some(q) => format!("{}-T{q}", self.year),
        }
    }
}

/// What one report says. Figures not known are `None`; channels are "sold through it in the
/// period".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrowthReport {
    pub period: Period,
    /// Sales in the period, rupiah.
    pub sales: Option<i64>,
    /// Modal usaha at the end of the period (excluding land and buildings), rupiah.
    pub modal: Option<i64>,
    pub employees: Option<i64>,
    /// Sold on an online marketplace.
    pub online: bool,
    /// Sold through the e-katalog (government purchases).
    pub ekatalog: bool,
    pub export: bool,
    /// Obtained financing (KUR, a bank or cooperative loan, a grant).
    pub financing: bool,
}

impl GrowthReport {
    /// The class the report shows (PP 7/2021 Pasal 35): by modal when reported (ayat 3); by
    /// sales only for a whole year's sales (ayat 5 counts annual sales — a quarter's are not).
    pub fn size(&self) -> Option<SizeDecision> {
        if let Some(m) = self.modal {
            return Some(SizeDecision {
                class: class_by_modal(m),
                basis: SizeBasis::Modal,
            });
        }
        match (self.sales, self.period.quarter) {
            (Some(s), None) => Some(SizeDecision {
                class: class_by_sales(s),
                basis: SizeBasis::Sales,
            }),
            _ => None,
        }
    }
}

/// A report as typed in the form.
#[derive(Debug, Clone, Default)]
pub struct ReportInput<'a> {
    pub year: &'a str,
    pub quarter: &'a str,
    pub sales: &'a str,
    pub modal: &'a str,
    pub employees: &'a str,
    pub online: bool,
    pub ekatalog: bool,
    pub export: bool,
    pub financing: bool,
}

/// Checks a report: a period that has ended (figures of a running quarter are not known yet),
/// from 2000; figures as people write them (`Rp 1.500.000`, `1,5 jt`); at least something
/// reported.
pub fn validate_report(input: &ReportInput, today: NaiveDate) -> Result<GrowthReport, FieldErrors> {
    let mut e = FieldErrors::new();
    let year = e.check(
        "year",
        input
            .year
            .trim()
            .parse::<i32>()
            .ok()
            .filter(|y| (2000..=today.year()).contains(y))
            .ok_or(Invalid("number_out_of_range")),
    );
    let quarter = e.check(
        "quarter",
        match input.quarter.trim() {
            "" => Ok(None),
            q => q
                .parse::<u8>()
                .ok()
                .filter(|q| (1..=4).contains(q))
                .map(Some)
                .ok_or(Invalid("choice_invalid")),
        },
    );
    // Reported figures are never negative (a loss is not a negative sale).
    let rupiah = |t: &str| {
        parse_rupiah(t).and_then(|v| {
            if v < 0 {
                Err(Invalid("number_out_of_range"))
            } else {
                Ok(v)
            }
        })
    };
    let sales = e.check("sales", optional(input.sales, rupiah)).flatten();
    let modal = e.check("modal", optional(input.modal, rupiah)).flatten();
    let employees = e
        .check("employees", optional(input.employees, parse_count))
        .flatten();
    if let (Some(year), Some(quarter)) = (year, quarter) {
        let period = Period { year, quarter };
        if period.end() >= today {
            e.push(
                if quarter.is_some() { "quarter" } else { "year" },
                "period_not_ended",
            );
        }
    }
    let anything = !input.sales.trim().is_empty()
        || !input.modal.trim().is_empty()
        || !input.employees.trim().is_empty()
        || input.online
        || input.ekatalog
        || input.export
        || input.financing;
    if !anything {
        e.push("sales", "report_empty");
    }
    e.clone().into_result()?;
    match (year, quarter) {
        (Some(year), Some(quarter)) => Ok(GrowthReport {
            period: Period { year, quarter },
            sales,
            modal,
            employees,
            online: input.online,
            ekatalog: input.ekatalog,
            export: input.export,
            financing: input.financing,
        }),
        _ => Err(e),
    }
}

/// A change of size class between two reports (or from the class at registration).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SizeEvent {
    pub period: Period,
    pub from: Option<SizeClass>,
    pub to: SizeClass,
    pub basis: SizeBasis,
}

impl SizeEvent {
    /// Moved to a larger class (naik kelas).
    pub fn is_up(&self) -> bool {
        self.from.is_some_and(|f| self.to > f)
    }
}

/// Where a business's size history starts: the class the registry gave it and the day it was
/// registered. A report for a period that ended before that day is older than the registry's
/// class, so it is compared only with the reports before it — a report back-dated to 2025 does
/// not make a "Kecil → Mikro" movement out of a class first recorded in 2026.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SizeStart {
    pub class: Option<SizeClass>,
    /// `None`: the class held before every report.
    pub since: Option<NaiveDate>,
}

impl SizeStart {
    pub fn registered(class: Option<SizeClass>, on: Option<NaiveDate>) -> SizeStart {
        SizeStart { class, since: on }
    }
}

/// A class with no date: held before every report.
impl From<Option<SizeClass>> for SizeStart {
    fn from(class: Option<SizeClass>) -> SizeStart {
        SizeStart { class, since: None }
    }
}

/// The class changes along `reports` (any order), starting from the class the business had
/// when it was registered (see [`SizeStart`]). Reports that show no class (a quarter without
/// modal) change nothing.
pub fn size_events(start: impl Into<SizeStart>, reports: &[GrowthReport]) -> Vec<SizeEvent> {
    let start = start.into();
    let mut sorted: Vec<&GrowthReport> = reports.iter().collect();
    sorted.sort_by_key(|r| r.period.sort_key());
    let mut current = None;
    let mut anchored = false;
    let mut out = Vec::new();
    for r in sorted {
        if !anchored && start.since.is_none_or(|day| r.period.end() >= day) {
            // From here on the registry's class is the one to move from.
            anchored = true;
            current = start.class.or(current);
        }
        let Some(d) = r.size() else { continue };
        if current != Some(d.class) {
            // The first class ever known is no change, just a starting point.
            if current.is_some() {
                out.push(SizeEvent {
                    period: r.period,
                    from: current,
                    to: d.class,
                    basis: d.basis,
                });
            }
            current = Some(d.class);
        }
    }
    out
}

/// The progress markers finer than the size bands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Milestone {
    /// Obtained an NIB (formalised through OSS).
    Formalised,
    FirstOnlineSale,
    FirstEkatalogSale,
    FirstExport,
    FinancingObtained,
    /// More employees than in the previous report that counted them.
    EmployeesAdded,
    /// Moved up a size class.
    ClassUp,
}

impl Milestone {
    pub const ALL: [Milestone; 7] = [
        Self::Formalised,
        Self::FirstOnlineSale,
        Self::FirstEkatalogSale,
        Self::FirstExport,
        Self::FinancingObtained,
        Self::EmployeesAdded,
        Self::ClassUp,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Formalised => "formalised",
            Self::FirstOnlineSale => "first_online",
            Self::FirstEkatalogSale => "first_ekatalog",
            Self::FirstExport => "first_export",
            Self::FinancingObtained => "financing",
            Self::EmployeesAdded => "employees_added",
            Self::ClassUp => "class_up",
        }
    }

    pub fn parse(s: &str) -> Option<Milestone> {
        Self::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

/// The milestones reached, each with the year it was reached: the firsts once (the earliest
/// report saying so), employees added and classes moved up in every year they happen.
/// `nib_year` is the year the NIB was issued, when the business has one.
pub fn milestones(
    start: impl Into<SizeStart>,
    reports: &[GrowthReport],
    nib_year: Option<i32>,
) -> Vec<(Milestone, i32)> {
    let mut sorted: Vec<&GrowthReport> = reports.iter().collect();
    sorted.sort_by_key(|r| r.period.sort_key());
    let mut out = Vec::new();
    if let Some(y) = nib_year {
        out.push((Milestone::Formalised, y));
    }
    let first = |pick: fn(&GrowthReport) -> bool| sorted.iter().find(|r| pick(r));
    for (m, pick) in [
        (
            Milestone::FirstOnlineSale,
            (|r: &GrowthReport| r.online) as fn(&GrowthReport) -> bool,
        ),
        (Milestone::FirstEkatalogSale, |r| r.ekatalog),
        (Milestone::FirstExport, |r| r.export),
        (Milestone::FinancingObtained, |r| r.financing),
    ] {
        if let Some(r) = first(pick) {
            out.push((m, r.period.year));
        }
    }
    let mut previous: Option<i64> = None;
    for r in &sorted {
        if let Some(n) = r.employees {
            if previous.is_some_and(|p| n > p) {
                out.push((Milestone::EmployeesAdded, r.period.year));
            }
            previous = Some(n);
        }
    }
    for ev in size_events(start, reports) {
        if ev.is_up() {
            out.push((Milestone::ClassUp, ev.period.year));
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Two years of reports for the `seq`-th demo business, from its registered figures: sales
/// grow 10–60% a year, one in three starts selling online, one in eleven through the
/// e-katalog, one in four gets financing, one in three takes someone on, and one in fifteen
/// invests enough to become a usaha kecil.
pub fn demo_reports(
    seq: usize,
    modal: Option<i64>,
    sales: Option<i64>,
    last_year: i32,
) -> Vec<GrowthReport> {
    let modal = modal.unwrap_or(50_000_000).max(1_000_000);
    let sales = sales.unwrap_or(120_000_000).max(1_000_000);
    let grow = |v: i64, percent: i64| v + v * percent / 100;
    let percent = 10 + (seq as i64 * 7) % 51;
    let employees = 1 + (seq as i64 % 4);
    let first = GrowthReport {
        period: Period {
            year: last_year - 1,
            quarter: None,
        },
        sales: Some(sales),
        modal: Some(modal.min(crate::size::MIKRO_MODAL_MAX)),
        employees: Some(employees),
        online: seq.is_multiple_of(6),
        ekatalog: false,
        export: false,
        financing: false,
    };
    let second = GrowthReport {
        period: Period {
            year: last_year,
            quarter: None,
        },
        sales: Some(grow(sales, percent)),
        modal: Some(if seq.is_multiple_of(15) {
            1_250_000_000
        } else {
            grow(modal, percent / 2).min(crate::size::MIKRO_MODAL_MAX)
        }),
        employees: Some(employees + i64::from(seq.is_multiple_of(3))),
        online: seq.is_multiple_of(3),
        ekatalog: seq.is_multiple_of(11),
        export: seq.is_multiple_of(97),
        financing: seq.is_multiple_of(4),
    };
    vec![first, second]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn report(year: i32, quarter: Option<u8>) -> GrowthReport {
        GrowthReport {
            period: Period { year, quarter },
            sales: None,
            modal: None,
            employees: None,
            online: false,
            ekatalog: false,
            export: false,
            financing: false,
        }
    }

    #[test]
    fn figures_are_read_as_people_write_them() {
        let r = validate_report(
            &ReportInput {
                year: "2025",
                sales: "Rp 1.500.000.000",
                modal: "1,5 M",
                employees: "7",
                online: true,
                ..ReportInput::default()
            },
            day(2026, 3, 1),
        )
        .unwrap();
        assert_eq!(r.sales, Some(1_500_000_000));
        assert_eq!(r.modal, Some(1_500_000_000));
        assert_eq!(r.employees, Some(7));
        assert_eq!(r.size().map(|d| d.class), Some(SizeClass::Kecil));
    }

    #[test]
    fn a_period_must_have_ended_and_say_something() {
        let today = day(2026, 5, 10);
        let e = validate_report(
            &ReportInput {
                year: "2026",
                quarter: "2",
                employees: "3",
                ..ReportInput::default()
            },
            today,
        )
        .unwrap_err();
        assert!(e.for_field("quarter").any(|x| x.code == "period_not_ended"));
        assert!(
            validate_report(
                &ReportInput {
                    year: "2026",
                    quarter: "1",
                    employees: "3",
                    ..ReportInput::default()
                },
                today
            )
            .is_ok()
        );
        let e = validate_report(
            &ReportInput {
                year: "2025",
                ..ReportInput::default()
            },
            today,
        )
        .unwrap_err();
        assert!(e.for_field("sales").any(|x| x.code == "report_empty"));
        let e = validate_report(
            &ReportInput {
                year: "1999",
                quarter: "5",
                sales: "banyak",
                employees: "-1",
                ..ReportInput::default()
            },
            today,
        )
        .unwrap_err();
        for f in ["year", "quarter", "sales", "employees"] {
            assert!(e.for_field(f).next().is_some(), "{f} is named");
        }
    }

    #[test]
    fn quarter_sales_do_not_decide_a_class_but_quarter_modal_does() {
        let mut q = report(2025, Some(2));
        q.sales = Some(20_000_000_000);
        assert_eq!(q.size(), None);
        q.modal = Some(2_000_000_000);
        assert_eq!(q.size().map(|d| d.class), Some(SizeClass::Kecil));
    }

    #[test]
    fn class_changes_follow_reports_in_time_order() {
        let mut a = report(2024, None);
        a.modal = Some(800_000_000);
        let mut b = report(2025, None);
        b.modal = Some(1_200_000_000);
        let mut c = report(2026, Some(1));
        c.sales = Some(5); // a quarter's sales: no class
        let mut d = report(2026, None);
        d.modal = Some(900_000_000);
        // Given out of order, as back-dated reports come.
        let events = size_events(
            Some(SizeClass::Mikro),
            &[d.clone(), b.clone(), a.clone(), c],
        );
        assert_eq!(events.len(), 2);
        assert_eq!(
            (events[0].period.year, events[0].from, events[0].to),
            (2025, Some(SizeClass::Mikro), SizeClass::Kecil)
        );
        assert!(events[0].is_up());
        assert_eq!(events[1].to, SizeClass::Mikro);
        assert!(!events[1].is_up());
        // Without a class at registration the first report only sets the start.
        assert_eq!(size_events(None, &[a]).len(), 0);
    }

    #[test]
    fn a_report_older_than_the_registration_is_no_movement_from_its_class() {
        // Registered in March 2026 as kecil; the owner then reports 2025's figures (mikro).
        let mut old = report(2025, None);
        old.modal = Some(300_000_000);
        let registered =
            SizeStart::registered(Some(SizeClass::Kecil), NaiveDate::from_ymd_opt(2026, 3, 10));
        assert_eq!(size_events(registered, std::slice::from_ref(&old)), vec![]);
        // A 2026 report is compared with the registry's class: mikro again is a movement down.
        let mut now = report(2026, None);
        now.modal = Some(300_000_000);
        let events = size_events(registered, &[old.clone(), now]);
        assert_eq!(events.len(), 1);
        assert_eq!(
            (events[0].period.year, events[0].from, events[0].to),
            (2026, Some(SizeClass::Kecil), SizeClass::Mikro)
        );
        // Two reports before the registration still show the change between them.
        let mut older = report(2024, None);
        older.modal = Some(2_000_000_000);
        let events = size_events(registered, &[old, older]);
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].from, Some(SizeClass::Kecil));
        assert_eq!(events[0].to, SizeClass::Mikro);
        assert_eq!(events[0].period.year, 2025);
    }

    #[test]
    fn milestones_are_counted_once_or_per_year() {
        let mut a = report(2024, None);
        a.employees = Some(2);
        let mut b = report(2025, Some(1));
        b.employees = Some(3);
        b.online = true;
        let mut c = report(2025, None);
        c.employees = Some(3);
        c.online = true;
        c.financing = true;
        c.modal = Some(2_000_000_000);
        let mut d = report(2026, None);
        d.employees = Some(5);
        let m = milestones(Some(SizeClass::Mikro), &[d, c, b, a], Some(2023));
        assert_eq!(
            m,
            vec![
                (Milestone::Formalised, 2023),
                (Milestone::FirstOnlineSale, 2025),
                (Milestone::FinancingObtained, 2025),
                (Milestone::EmployeesAdded, 2025),
                (Milestone::EmployeesAdded, 2026),
                (Milestone::ClassUp, 2025),
            ]
        );
    }

    #[test]
    fn demo_reports_move_some_businesses_up_and_reach_milestones() {
        let all: Vec<Vec<GrowthReport>> = (0..300)
            .map(|i| demo_reports(i, Some(80_000_000), Some(200_000_000), 2025))
            .collect();
        let ups = all
            .iter()
            .filter(|r| {
                size_events(Some(SizeClass::Mikro), r)
                    .iter()
                    .any(SizeEvent::is_up)
            })
            .count();
        assert_eq!(ups, 20, "one in fifteen");
        let online = all
            .iter()
            .filter(|r| {
                milestones(Some(SizeClass::Mikro), r, None)
                    .contains(&(Milestone::FirstOnlineSale, 2025))
            })
            .count();
        assert_eq!(
            online, 50,
            "one in three sells online in 2025, half of them for the first time"
        );
    }

    #[test]
    fn period_ends() {
        assert_eq!(
            Period {
                year: 2025,
                quarter: Some(1)
            }
            .end(),
            day(2025, 3, 31)
        );
        assert_eq!(
            Period {
                year: 2025,
                quarter: None
            }
            .end(),
            day(2025, 12, 31)
        );
        assert_eq!(
            Period {
                year: 2025,
                quarter: Some(4)
            }
            .label(),
            "2025-T4"
        );
    }
}
