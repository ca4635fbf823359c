//! The UMKM gallery's consignment (issue 11): items received from businesses at a consignment
//! price (what the business gets for each one sold) and shown at the gallery's price; every
//! movement — intake, sale, return to the owner, a stock count's difference, a payout — is a
//! ledger entry, and stock and money owed are derived from the ledger, never edited. A month's
//! statement per business reconciles to the rupiah: opening + received − sold − returned ±
//! counted = closing, and owed = what its sold items earn at their consignment price.

use chrono::{Datelike, NaiveDate};

use crate::FieldErrors;
use crate::error::Invalid;
use crate::money::parse_positive_rupiah;

/// A ledger entry's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Movement {
    /// Items received on consignment (+).
    Intake,
    /// Items sold at the counter (−).
    Sale,
    /// Items given back to their owner (−).
    Return,
    /// A stock count's difference (±).
    Count,
    /// Money paid out to the owner for a month's sales (no items).
    Payout,
}

impl Movement {
    pub const ALL: [Movement; 5] = [
        Self::Intake,
        Self::Sale,
        Self::Return,
        Self::Count,
        Self::Payout,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Intake => "intake",
            Self::Sale => "sale",
            Self::Return => "return",
            Self::Count => "count",
            Self::Payout => "payout",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

/// How a sale was paid (recorded only: the gallery takes no payment through Sentra).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payment {
    Cash,
    Qris,
    Transfer,
}

impl Payment {
    pub const ALL: [Payment; 3] = [Self::Cash, Self::Qris, Self::Transfer];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cash => "tunai",
            Self::Qris => "qris",
            Self::Transfer => "transfer",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s.trim())
    }
}

/// A consigned item's prices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Terms {
    /// Paid to the owner for each one sold.
    pub consignment_price: i64,
    /// Asked at the gallery.
    pub gallery_price: i64,
}

impl Terms {
    /// The gallery's commission per item, and as basis points of the gallery price.
    pub fn commission(&self) -> (i64, i64) {
        let c = self.gallery_price - self.consignment_price;
        (c, c * 10_000 / self.gallery_price.max(1))
    }
}

/// An intake as typed: name, quantity and the two prices.
pub fn validate_intake(
    name: &str,
    quantity: &str,
    consignment_price: &str,
    gallery_price: &str,
) -> Result<(String, i64, Terms), FieldErrors> {
    let mut e = FieldErrors::new();
    let name = match crate::umkm::clean_text(name, 150) {
        Ok(Some(n)) if n.chars().count() >= 2 => Some(n),
        Ok(_) => {
            e.push("name", "required");
            None
        }
        Err(Invalid(c)) => {
            e.push("name", c);
            None
        }
    };
    let quantity = e.check("quantity", parse_quantity(quantity));
    let consignment = e.check(
        "consignment_price",
        parse_positive_rupiah(consignment_price),
    );
    let gallery = e.check("gallery_price", parse_positive_rupiah(gallery_price));
    if let (Some(c), Some(g)) = (consignment, gallery)
        && g < c
    {
        e.push("gallery_price", "gallery_below_consignment");
    }
    e.clone().into_result()?;
    match (name, quantity, consignment, gallery) {
        (Some(n), Some(q), Some(c), Some(g)) => Ok((
            n,
            q,
            Terms {
                consignment_price: c,
                gallery_price: g,
            },
        )),
        _ => Err(e),
    }
}

/// A whole number of items from 1 to 100,000.
pub fn parse_quantity(text: &str) -> Result<i64, Invalid> {
    match text.trim().parse::<i64>() {
        Ok(n) if (1..=100_000).contains(&n) => Ok(n),
        Ok(_) => Err(Invalid("number_out_of_range")),
        Err(_) => Err(Invalid("number_invalid")),
    }
}

/// One ledger entry of an item: items in (+) or out (−), money at `unit_price` each, or a
/// payout of `amount`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub on: NaiveDate,
    pub movement: Movement,
    /// Signed: + in, − out.
    pub quantity: i64,
    /// The sale's price per item (sales), 0 otherwise.
    pub unit_price: i64,
    /// A payout's amount.
    pub amount: i64,
}

/// Items in stock after these entries.
pub fn stock(entries: &[Entry]) -> i64 {
    entries.iter().map(|e| e.quantity).sum()
}

/// A sale of `quantity` from `in_stock`: refused when there are not enough.
pub fn check_out(in_stock: i64, quantity: i64) -> Result<(), Invalid> {
    if quantity <= 0 {
        Err(Invalid("number_out_of_range"))
    } else if quantity > in_stock {
        Err(Invalid("stock_short"))
    } else {
        Ok(())
    }
}

/// One item's (or a business's) month: opening stock, what came in and went out, closing
/// stock, the sales and what the owner is owed for them, and payouts made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Statement {
    pub opening: i64,
    pub received: i64,
    pub sold: i64,
    pub returned: i64,
    /// Stock counts' differences (+ found, − missing).
    pub counted: i64,
    pub closing: i64,
    /// What the sales took at the counter.
    pub sales_value: i64,
    /// What the owner earns: items sold × consignment price.
    pub owed: i64,
    /// The gallery's share: sales − owed.
    pub commission: i64,
    pub paid_out: i64,
}

impl Statement {
    /// Adds another item's statement (a business's month over its items).
    pub fn add(&mut self, o: &Statement) {
        self.opening += o.opening;
        self.received += o.received;
        self.sold += o.sold;
        self.returned += o.returned;
        self.counted += o.counted;
        self.closing += o.closing;
        // Saturating: up to 100,000 items at `money::MAX_RUPIAH` each pass i64 in a few sales;
        // a statement that large is shown at the limit, never wrapped to a negative.
        self.sales_value = self.sales_value.saturating_add(o.sales_value);
        self.owed = self.owed.saturating_add(o.owed);
        self.commission = self.commission.saturating_add(o.commission);
        self.paid_out = self.paid_out.saturating_add(o.paid_out);
    }

    /// The items reconcile: opening + received − sold − returned + counted = closing.
    pub fn balances(&self) -> bool {
        self.opening + self.received - self.sold - self.returned + self.counted == self.closing
    }
}

/// The month's first day.
pub fn month_start(year: i32, month: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, month, 1)
}

fn in_month(d: NaiveDate, year: i32, month: u32) -> bool {
    d.year() == year && d.month() == month
}

/// An item's statement for a month from its whole ledger.
pub fn item_statement(entries: &[Entry], terms: Terms, year: i32, month: u32) -> Statement {
    let Some(start) = month_start(year, month) else {
        return Statement::default();
    };
    let mut s = Statement {
        opening: entries
            .iter()
            .filter(|e| e.on < start)
            .map(|e| e.quantity)
            .sum(),
        ..Statement::default()
    };
    for e in entries.iter().filter(|e| in_month(e.on, year, month)) {
        match e.movement {
            Movement::Intake => s.received += e.quantity,
            Movement::Sale => {
                s.sold -= e.quantity;
                // Saturating, as in `Statement::add`.
                s.sales_value = s
                    .sales_value
                    .saturating_add(e.quantity.saturating_neg().saturating_mul(e.unit_price));
            }
            Movement::Return => s.returned -= e.quantity,
            Movement::Count => s.counted += e.quantity,
            Movement::Payout => s.paid_out = s.paid_out.saturating_add(e.amount),
        }
    }
    s.closing = s.opening + s.received - s.sold - s.returned + s.counted;
    s.owed = s.sold.saturating_mul(terms.consignment_price);
    s.commission = s.sales_value.saturating_sub(s.owed);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    fn entry(on: NaiveDate, movement: Movement, quantity: i64, unit_price: i64) -> Entry {
        Entry {
            on,
            movement,
            quantity,
            unit_price,
            amount: 0,
        }
    }

    #[test]
    fn a_month_of_sales_reconciles_to_the_rupiah() {
        let terms = Terms {
            consignment_price: 80_000,
            gallery_price: 100_000,
        };
        assert_eq!(terms.commission(), (20_000, 2000));
        let ledger = vec![
            entry(day(10, 20), Movement::Intake, 10, 0),
            entry(day(10, 25), Movement::Sale, -2, 100_000),
            entry(day(11, 3), Movement::Intake, 5, 0),
            entry(day(11, 5), Movement::Sale, -3, 100_000),
            // A discount at the counter: the gallery bears it; the owner still gets 80,000.
            entry(day(11, 9), Movement::Sale, -1, 90_000),
            entry(day(11, 20), Movement::Return, -2, 0),
            entry(day(11, 30), Movement::Count, -1, 0),
            entry(day(12, 1), Movement::Sale, -1, 100_000),
        ];
        let nov = item_statement(&ledger, terms, 2026, 11);
        assert_eq!(
            (
                nov.opening,
                nov.received,
                nov.sold,
                nov.returned,
                nov.counted,
                nov.closing
            ),
            (8, 5, 4, 2, -1, 6)
        );
        assert!(nov.balances());
        assert_eq!(nov.sales_value, 390_000);
        assert_eq!(nov.owed, 320_000);
        assert_eq!(nov.commission, 70_000);
        assert_eq!(stock(&ledger), 5);
        let oct = item_statement(&ledger, terms, 2026, 10);
        assert_eq!(
            oct.closing, nov.opening,
            "one month ends where the next begins"
        );
        // A business's statement is its items' statements added up.
        let mut total = Statement::default();
        total.add(&nov);
        total.add(&oct);
        assert_eq!(total.owed, 480_000);
    }

    #[test]
    fn a_sale_cannot_take_more_than_is_in_stock() {
        assert!(check_out(3, 3).is_ok());
        assert_eq!(check_out(3, 4), Err(Invalid("stock_short")));
        assert_eq!(check_out(3, 0), Err(Invalid("number_out_of_range")));
    }

    #[test]
    fn an_intake_is_checked() {
        let (name, q, t) =
            validate_intake("Selendang tenun", "12", "Rp 150.000", "200 rb").unwrap();
        assert_eq!(
            (name.as_str(), q, t.consignment_price, t.gallery_price),
            ("Selendang tenun", 12, 150_000, 200_000)
        );
        let e = validate_intake("", "0", "200 rb", "150 rb").unwrap_err();
        for f in ["name", "quantity", "gallery_price"] {
            assert!(e.for_field(f).next().is_some(), "{f}");
        }
    }
}
