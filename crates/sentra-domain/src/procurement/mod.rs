//! Government procurement from UMKM (issue 9): government units (OPD) and their goods/services
//! budgets, purchases and their life (ordered, delivered, accepted, paid), and the rules of
//! Perpres 12/2021 Pasal 65:
//! - ayat (3): at least 40% of the goods/services budget goes to products of micro and small
//!   enterprises and cooperatives;
//! - ayat (4): packages up to Rp15 M ("sampai dengan", inclusive) are reserved for small
//!   enterprises and cooperatives — one awarded to a medium or large supplier is flagged.
//!
//! The fiscal year is the calendar year (UU 17/2003 Pasal 4). Amounts are whole rupiah.

use chrono::{Datelike, NaiveDate};

use crate::error::{FieldErrors, Invalid};
use crate::money::parse_positive_rupiah;
use crate::size::SizeClass;
use crate::targets::parse_year;
use crate::umkm::parse_date;

/// Perpres 12/2021 Pasal 65 ayat (3): the minimum share, in percent.
pub const MINIMUM_SHARE_PERCENT: i64 = 40;
/// Perpres 12/2021 Pasal 65 ayat (4): the largest package reserved for small enterprises and
/// cooperatives (Rp15.000.000.000).
pub const RESERVED_PACKAGE_MAX: i64 = 15_000_000_000;
/// Perpres 16/2018 Pasal 1 angka 40 (kept at this value by Perpres 12/2021 and 46/2025): the
/// largest pengadaan langsung of goods and other services (Rp200.000.000). Larger packages go
/// through e-purchasing, a tender or another method.
pub const DIRECT_PURCHASE_MAX: i64 = 200_000_000;

/// Who supplied a package.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SupplierType {
    Micro,
    Small,
    Medium,
    Large,
    Cooperative,
}

impl SupplierType {
    pub const ALL: [SupplierType; 5] = [
        Self::Micro,
        Self::Small,
        Self::Medium,
        Self::Large,
        Self::Cooperative,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Micro => "mikro",
            Self::Small => "kecil",
            Self::Medium => "menengah",
            Self::Large => "besar",
            Self::Cooperative => "koperasi",
        }
    }

    /// The form's code (`mikro`) or the words offices write in a spreadsheet (`Usaha Kecil`,
    /// `Koperasi`, `Small`); anything else is not guessed.
    pub fn parse(s: &str) -> Option<SupplierType> {
        let words = crate::import::normalize_header(s);
        let word = words.strip_prefix("usaha ").unwrap_or(&words);
        Self::ALL.into_iter().find(|t| {
            t.as_str() == word
                || matches!(
                    (t, word),
                    (Self::Micro, "micro")
                        | (Self::Small, "small")
                        | (Self::Medium, "medium")
                        | (Self::Large, "large" | "non umk" | "non umkm")
                        | (Self::Cooperative, "cooperative" | "kop")
                )
        })
    }

    /// A registered UMKM's type from its size class (PP 7/2021 Pasal 35).
    pub fn of_size(class: SizeClass) -> SupplierType {
        match class {
            SizeClass::Mikro => Self::Micro,
            SizeClass::Kecil => Self::Small,
            SizeClass::Menengah => Self::Medium,
            SizeClass::Besar => Self::Large,
        }
    }

    /// Counts toward the 40% (Pasal 65 ayat (3)): micro and small enterprises, cooperatives.
    pub fn counts_for_share(self) -> bool {
        matches!(self, Self::Micro | Self::Small | Self::Cooperative)
    }
}

/// A package of up to Rp15 M awarded outside small enterprises and cooperatives (Pasal 65
/// ayat (4)); micro enterprises are small enterprises in the Perpres' sense.
pub fn reserved_package_breached(value: i64, supplier: SupplierType) -> bool {
    value <= RESERVED_PACKAGE_MAX && !supplier.counts_for_share()
}

/// How a package was bought.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// E-purchasing through the (local) electronic catalogue.
    EPurchasing,
    /// Pengadaan langsung.
    Direct,
    /// A marketplace (Bela Pengadaan).
    Marketplace,
    Other,
}

impl Method {
    pub const ALL: [Method; 4] = [
        Self::EPurchasing,
        Self::Direct,
        Self::Marketplace,
        Self::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::EPurchasing => "e_purchasing",
            Self::Direct => "pengadaan_langsung",
            Self::Marketplace => "marketplace",
            Self::Other => "lainnya",
        }
    }

    /// The form's code (`e_purchasing`) or the words offices write (`E-Purchasing`, `Katalog
    /// Elektronik`, `Pengadaan Langsung`, `PL`, `Bela Pengadaan`, `Toko Daring`, `Lainnya`).
    pub fn parse(s: &str) -> Option<Method> {
        if let Some(m) = Self::ALL.into_iter().find(|m| m.as_str() == s.trim()) {
            return Some(m);
        }
        match crate::import::normalize_header(s).as_str() {
            "e purchasing"
            | "epurchasing"
            | "e katalog"
            | "e katalog lokal"
            | "ekatalog"
            | "katalog elektronik"
            | "katalog elektronik lokal" => Some(Self::EPurchasing),
            "pengadaan langsung" | "pl" | "direct" | "direct purchase" => Some(Self::Direct),
            "bela pengadaan" | "marketplace" | "toko daring" | "pasar daring" => {
                Some(Self::Marketplace)
            }
            "lainnya"
            | "lain lain"
            | "other"
            | "tender"
            | "seleksi"
            | "penunjukan langsung"
            | "swakelola" => Some(Self::Other),
            _ => None,
        }
    }
}

/// A purchase as typed.
#[derive(Debug, Clone, Default)]
pub struct PurchaseInput<'a> {
    pub package: &'a str,
    pub value: &'a str,
    pub ordered_on: &'a str,
    pub due_on: &'a str,
    pub method: &'a str,
    pub supplier_type: &'a str,
    pub delivered_on: &'a str,
    pub accepted_on: &'a str,
    pub paid_on: &'a str,
}

/// A purchase checked: its package number, value, dates of its life and who supplied it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purchase {
    pub package: String,
    pub value: i64,
    pub ordered_on: NaiveDate,
    pub due_on: Option<NaiveDate>,
    pub method: Method,
    pub supplier_type: SupplierType,
    pub delivered_on: Option<NaiveDate>,
    pub accepted_on: Option<NaiveDate>,
    pub paid_on: Option<NaiveDate>,
}

pub const MAX_PACKAGE: usize = 60;

/// Checks a purchase of fiscal year `year`: a package number, a positive value, an order date
/// inside the fiscal year and not in the future, and the later dates in order (due and
/// delivered not before ordered, accepted not before delivered, paid not before accepted).
/// `supplier` is the registry's type when the supplier is a registered UMKM (it wins over the
/// form's).
pub fn validate_purchase(
    input: &PurchaseInput,
    year: i32,
    supplier: Option<SupplierType>,
    today: NaiveDate,
) -> Result<Purchase, FieldErrors> {
    let mut e = FieldErrors::new();
    let package = input.package.trim();
    if package.is_empty() {
        e.push("package", "required");
    } else if package.chars().count() > MAX_PACKAGE || package.chars().any(char::is_control) {
        e.push("package", "text_invalid");
    }
    let value = e.check("value", parse_positive_rupiah(input.value));
    let date = |field: &str, text: &str, e: &mut FieldErrors| -> Option<NaiveDate> {
        if text.trim().is_empty() {
            return None;
        }
        e.check(field, parse_date(text))
    };
    let ordered_on = if input.ordered_on.trim().is_empty() {
        e.push("ordered_on", "required");
        None
    } else {
        date("ordered_on", input.ordered_on, &mut e)
    };
    if let Some(d) = ordered_on {
        if d.year() != year {
            e.push("ordered_on", "outside_fiscal_year");
        } else if d > today {
            e.push("ordered_on", "date_in_future");
        }
    }
    let due_on = date("due_on", input.due_on, &mut e);
    let delivered_on = date("delivered_on", input.delivered_on, &mut e);
    let accepted_on = date("accepted_on", input.accepted_on, &mut e);
    let paid_on = date("paid_on", input.paid_on, &mut e);
    for (field, later, earlier) in [
        ("due_on", due_on, ordered_on),
        ("delivered_on", delivered_on, ordered_on),
        ("accepted_on", accepted_on, delivered_on),
        ("paid_on", paid_on, accepted_on),
    ] {
        if let (Some(l), Some(r)) = (later, earlier)
            && l < r
        {
            e.push(field, "date_before_previous_step");
        }
    }
    for (field, d) in [
        ("delivered_on", delivered_on),
        ("accepted_on", accepted_on),
        ("paid_on", paid_on),
    ] {
        if d.is_some_and(|d| d > today) {
            e.push(field, "date_in_future");
        }
    }
    // A step cannot be recorded before the one it follows.
    if accepted_on.is_some() && delivered_on.is_none() && input.delivered_on.trim().is_empty() {
        e.push("delivered_on", "required");
    }
    if paid_on.is_some() && accepted_on.is_none() && input.accepted_on.trim().is_empty() {
        e.push("accepted_on", "required");
    }
    let choice = |text: &str| {
        if text.trim().is_empty() {
            Invalid("required")
        } else {
            Invalid("choice_invalid")
        }
    };
    let method = e.check(
        "method",
        Method::parse(input.method).ok_or_else(|| choice(input.method)),
    );
    let supplier_type = match supplier {
        Some(t) => Some(t),
        None => e.check(
            "supplier_type",
            SupplierType::parse(input.supplier_type).ok_or_else(|| choice(input.supplier_type)),
        ),
    };
    if method == Some(Method::Direct) && value.is_some_and(|v| v > DIRECT_PURCHASE_MAX) {
        e.push("value", "direct_purchase_over_ceiling");
    }
    e.clone().into_result()?;
    match (value, ordered_on, method, supplier_type) {
        (Some(value), Some(ordered_on), Some(method), Some(supplier_type)) => Ok(Purchase {
            package: package.to_string(),
            value,
            ordered_on,
            due_on,
            method,
            supplier_type,
            delivered_on,
            accepted_on,
            paid_on,
        }),
        _ => Err(e),
    }
}

impl Purchase {
    /// Days delivered after the due date (0 when on time; `None` until delivered or without a
    /// due date).
    pub fn days_late(&self) -> Option<i64> {
        match (self.delivered_on, self.due_on) {
            (Some(d), Some(due)) => Some((d - due).num_days().max(0)),
            _ => None,
        }
    }

    /// Days from acceptance to payment (`None` until both happened).
    pub fn days_to_pay(&self) -> Option<i64> {
        match (self.accepted_on, self.paid_on) {
            (Some(a), Some(p)) => Some((p - a).num_days()),
            _ => None,
        }
    }

    pub fn reserved_package_breached(&self) -> bool {
        reserved_package_breached(self.value, self.supplier_type)
    }
}

/// A unit's (or region's) spending in a period against the minimum share. Totals are `i128`:
/// a region's purchases of up to `money::MAX_RUPIAH` each may pass `i64`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Share {
    /// All purchases.
    pub total: i128,
    /// Those from micro and small enterprises and cooperatives.
    pub small: i128,
    /// The goods/services budget of the year (after revisions), when known.
    pub budget: Option<i64>,
}

impl Share {
    /// Adds a purchase.
    pub fn add(&mut self, value: i64, supplier: SupplierType) {
        self.total += i128::from(value);
        if supplier.counts_for_share() {
            self.small += i128::from(value);
        }
    }

    /// The share of spending in basis points (40% = 4000), rounded down so that a share shown
    /// as 40,00% is never below the minimum; `None` with no spending.
    pub fn of_spending_bp(&self) -> Option<i64> {
        (self.total > 0).then(|| basis_points(self.small, self.total))
    }

    /// The share of the budget in basis points, rounded down.
    pub fn of_budget_bp(&self) -> Option<i64> {
        self.budget
            .filter(|b| *b > 0)
            .map(|b| basis_points(self.small, i128::from(b)))
    }

    /// Pasal 65 ayat (3) is met: at least 40% of the goods/services *budget* (pagu) went to
    /// small suppliers (exact integer comparison: 40% is met, 39,99% is not). `None` while
    /// the budget is not known: the share of spending is progress, not the judgement — a unit
    /// at 54,6% of its spending but 4,9% of its budget has not met it.
    pub fn meets_minimum(&self) -> Option<bool> {
        let budget = self.budget.filter(|b| *b > 0)?;
        Some(self.small * 100 >= i128::from(MINIMUM_SHARE_PERCENT) * i128::from(budget))
    }

    /// At least 40% of what was spent so far went to small suppliers: the pace, shown as
    /// progress beside the budget's judgement.
    pub fn spending_on_pace(&self) -> bool {
        self.total > 0 && self.small * 100 >= i128::from(MINIMUM_SHARE_PERCENT) * self.total
    }

    /// What must still go to small suppliers for the budget's 40% (0 when reached).
    pub fn budget_gap(&self) -> Option<i128> {
        self.budget.map(|b| {
            // ceil(40% of the budget) − what went to small suppliers.
            let needed = (i128::from(b) * i128::from(MINIMUM_SHARE_PERCENT) + 99) / 100;
            (needed - self.small).max(0)
        })
    }
}

/// `part` of `whole` (> 0) in basis points, rounded down; as `i64`, which holds any share of
/// amounts that fit `i128` once divided (a share above `i64::MAX` basis points is shown as that).
fn basis_points(part: i128, whole: i128) -> i64 {
    i64::try_from(part * 10_000 / whole).unwrap_or(i64::MAX)
}

/// The year-end projection at the current pace: what small suppliers will have received by 31
/// December if spending goes on as from 1 January to `today`, and its share of the budget in
/// basis points. `None` before the year starts or without a budget.
pub fn project_year_end(share: &Share, year: i32, today: NaiveDate) -> Option<(i128, i64)> {
    let start = NaiveDate::from_ymd_opt(year, 1, 1)?;
    let end = NaiveDate::from_ymd_opt(year, 12, 31)?;
    if today < start {
        return None;
    }
    let elapsed = (today.min(end) - start).num_days() + 1;
    let days = (end - start).num_days() + 1;
    let projected = share.small * i128::from(days) / i128::from(elapsed);
    let budget = share.budget.filter(|b| *b > 0)?;
    Some((projected, basis_points(projected, i128::from(budget))))
}

/// A budget as typed: the year and the amount.
pub fn validate_budget(year: &str, amount: &str) -> Result<(i32, i64), FieldErrors> {
    let mut e = FieldErrors::new();
    let year = e.check("year", parse_year(year));
    let amount = e.check("amount", parse_positive_rupiah(amount));
    e.clone().into_result()?;
    match (year, amount) {
        (Some(y), Some(a)) => Ok((y, a)),
        _ => Err(e),
    }
}

/// How much of the budget is left after `spent`, and whether a purchase of `value` goes over
/// it (a warning, not a refusal: the budget may be revised).
pub fn over_budget(budget: i64, spent: i128, value: i64) -> bool {
    spent + i128::from(value) > i128::from(budget)
}

/// Longest unit code and name.
pub const MAX_UNIT_CODE: usize = 30;
pub const MAX_UNIT_NAME: usize = 150;

/// A government unit as typed: its code (as in the region's budget nomenclature, e.g.
/// `1.02.01`; letters, digits, `.`, `-`, `/`) and its name.
pub fn validate_unit(code: &str, name: &str) -> Result<(String, String), FieldErrors> {
    let mut e = FieldErrors::new();
    let code = code.trim();
    if code.is_empty() {
        e.push("code", "required");
    } else if code.chars().count() > MAX_UNIT_CODE
        || !code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '/' | '_'))
    {
        e.push("code", "unit_code_invalid");
    }
    let name = match crate::umkm::clean_text(name, MAX_UNIT_NAME) {
        Ok(Some(n)) if n.chars().count() >= 3 => Some(n),
        Ok(Some(_)) => {
            e.push("name", "text_too_short");
            None
        }
        Ok(None) => {
            e.push("name", "required");
            None
        }
        Err(Invalid(code)) => {
            e.push("name", code);
            None
        }
    };
    e.clone().into_result()?;
    match name {
        Some(name) => Ok((code.to_string(), name)),
        None => Err(e),
    }
}

/// A supplier's record with government buyers: deliveries on time (of those with a due date),
/// days late, days from acceptance to payment, and packages accepted but not yet paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DeliveryRecord {
    pub packages: i64,
    pub value: i128,
    /// Delivered packages that had a due date.
    pub judged: i64,
    pub on_time: i64,
    pub late_days: i64,
    pub paid: i64,
    pub pay_days: i64,
    /// Accepted and not paid yet.
    pub awaiting_payment: i64,
}

impl DeliveryRecord {
    pub fn add(&mut self, p: &Purchase) {
        self.packages += 1;
        self.value += i128::from(p.value);
        if let Some(late) = p.days_late() {
            self.judged += 1;
            if late == 0 {
                self.on_time += 1;
            }
            self.late_days += late;
        }
        if let Some(days) = p.days_to_pay() {
            self.paid += 1;
            self.pay_days += days;
        }
        if p.accepted_on.is_some() && p.paid_on.is_none() {
            self.awaiting_payment += 1;
        }
    }

    /// Average days late over the late deliveries (`None` when none was late).
    pub fn average_days_late(&self) -> Option<i64> {
        let late = self.judged - self.on_time;
        (late > 0).then(|| (self.late_days + late / 2) / late)
    }

    /// Average days from acceptance to payment, rounded (`None` before a payment).
    pub fn average_days_to_pay(&self) -> Option<i64> {
        (self.paid > 0).then(|| (self.pay_days + self.paid / 2) / self.paid)
    }
}

/// Days a supplier has waited for payment since the package was accepted (`None` when paid or
/// not accepted yet).
pub fn days_awaiting_payment(p: &Purchase, today: NaiveDate) -> Option<i64> {
    match (p.accepted_on, p.paid_on) {
        (Some(a), None) => Some((today - a).num_days().max(0)),
        _ => None,
    }
}

/// The year to date month by month: each month's spending added to the months before it, so
/// that the share at the end of month `m` is read at index `m - 1`. `months` holds the month's
/// own total and part to small suppliers.
pub fn cumulative_by_month(months: &[(i128, i128); 12]) -> [Share; 12] {
    let mut out = [Share::default(); 12];
    let mut running = Share::default();
    for (i, (total, small)) in months.iter().enumerate() {
        running.total += total;
        running.small += small;
        out[i] = running;
    }
    out
}

/// The demo region's government units (codes as in a kota's budget nomenclature) and their
/// goods/services budgets of the year, in rupiah.
pub const DEMO_UNITS: [(&str, &str, i64); 8] = [
    ("1.01.01", "Dinas Pendidikan dan Kebudayaan", 48_000_000_000),
    ("1.02.01", "Dinas Kesehatan", 36_000_000_000),
    ("1.02.02", "RSUD Kota", 80_000_000_000),
    (
        "1.03.01",
        "Dinas Pekerjaan Umum dan Penataan Ruang",
        95_000_000_000,
    ),
    ("2.17.01", "Dinas Koperasi dan UMKM", 9_000_000_000),
    (
        "2.22.01",
        "Dinas Perindustrian dan Perdagangan",
        12_000_000_000,
    ),
    ("4.01.01", "Sekretariat Daerah", 30_000_000_000),
    ("4.02.01", "Sekretariat DPRD", 18_000_000_000),
];

/// Who supplied a demo purchase: the `n`-th registered small business, or another supplier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DemoSupplier {
    Registered(usize),
    Other(SupplierType, &'static str),
}

/// A year of purchases of the `unit`-th demo unit up to `today`: one package a fortnight,
/// a unit-dependent part going to registered small businesses (from a fifth to three fifths,
/// so that some units meet 40% and some do not), the rest to medium and large suppliers; the
/// public works unit buys a Rp12 M package from a large contractor (reserved, so flagged).
pub fn demo_purchases(unit: usize, year: i32, today: NaiveDate) -> Vec<(Purchase, DemoSupplier)> {
    let mut out = Vec::new();
    let Some(start) = NaiveDate::from_ymd_opt(year, 1, 6) else {
        return out;
    };
    let small_in_five = 1 + unit % 3; // 1, 2 or 3 of every five packages
    for n in 0..26usize {
        let ordered_on = start + chrono::Duration::days(14 * n as i64 + unit as i64);
        if ordered_on > today || ordered_on.year() != year {
            break;
        }
        let small = n % 5 < small_in_five;
        let value = if small {
            50_000_000 + ((unit * 7 + n * 13) % 40) as i64 * 10_000_000
        } else {
            60_000_000 + ((unit * 11 + n * 17) % 30) as i64 * 20_000_000
        };
        let due_on = ordered_on + chrono::Duration::days(14);
        // Most deliver on time; one in six three days late. Payment follows acceptance by
        // 5 to 40 days; the last weeks' purchases are still open.
        let delivered_on = due_on + chrono::Duration::days(if n % 6 == 5 { 3 } else { -2 });
        let accepted_on = delivered_on + chrono::Duration::days(1);
        let paid_on = accepted_on + chrono::Duration::days(5 + ((unit + n) % 8) as i64 * 5);
        let done = |d: NaiveDate| (d <= today).then_some(d);
        let supplier = if small {
            DemoSupplier::Registered(unit * 26 + n)
        } else if n % 2 == 0 {
            DemoSupplier::Other(SupplierType::Medium, "CV Sinar Jaya")
        } else {
            DemoSupplier::Other(SupplierType::Large, "PT Karya Nusantara")
        };
        let supplier_type = match &supplier {
            DemoSupplier::Registered(i) if i % 4 == 0 => SupplierType::Small,
            DemoSupplier::Registered(_) => SupplierType::Micro,
            DemoSupplier::Other(t, _) => *t,
        };
        out.push((
            Purchase {
                package: format!("{year}-{:02}-{:03}", unit + 1, n + 1),
                value,
                ordered_on,
                due_on: Some(due_on),
                method: if small {
                    Method::EPurchasing
                } else {
                    Method::Direct
                },
                supplier_type,
                delivered_on: done(delivered_on),
                accepted_on: done(accepted_on).filter(|_| delivered_on <= today),
                paid_on: done(paid_on).filter(|_| accepted_on <= today),
            },
            supplier,
        ));
    }
    if unit == 3
        && let Some(on) = NaiveDate::from_ymd_opt(year, 2, 10).filter(|d| *d <= today)
    {
        out.push((
            Purchase {
                package: format!("{year}-04-PJU"),
                value: 12_000_000_000,
                ordered_on: on,
                due_on: Some(on + chrono::Duration::days(120)),
                method: Method::Other,
                supplier_type: SupplierType::Large,
                delivered_on: None,
                accepted_on: None,
                paid_on: None,
            },
            DemoSupplier::Other(SupplierType::Large, "PT Terang Kota Persada"),
        ));
    }
    out
}

#[cfg(test)]
mod tests;
