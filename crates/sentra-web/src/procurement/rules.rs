//! The purchase rules that the purchase page and the JSON API both apply, kept apart from
//! either so that neither imports the other: a purchase as typed ([`Typed`]), its checks
//! ([`check`]: the unit, the supplier and its type from the registry, the fiscal year, the
//! domain's validation) and the warning when it takes the unit over its budget
//! ([`budget_warning`]).

use chrono::Datelike;
use sentra_domain::FieldErrors;
use sentra_domain::money::format_rupiah;
use sentra_domain::procurement::{
    Purchase, PurchaseInput, SupplierType, over_budget, validate_purchase,
};
use sentra_domain::scope::Scope;
use sentra_domain::umkm::{MAX_NAME, clean_text, parse_date};
use sentra_storage::{Database, PurchaseRow, StorageError, Supplier};

use crate::forms::form_value;
use crate::lang::Lang;

/// A purchase's fields as typed (in the form, or as the API's body has them).
#[derive(Debug, Clone, Default)]
pub struct Typed {
    /// The fiscal year the purchase is recorded under (the order date must fall in it).
    pub year: String,
    pub unit: String,
    pub package: String,
    pub value: String,
    pub ordered_on: String,
    pub due_on: String,
    pub method: String,
    pub umkm: String,
    pub product: String,
    pub supplier_name: String,
    pub supplier_type: String,
    pub delivered_on: String,
    pub accepted_on: String,
    pub paid_on: String,
    pub note: String,
}

impl Typed {
    pub(crate) fn from_form(f: &[(String, String)]) -> Self {
        let v = |k: &str| form_value(f, k).to_string();
        Typed {
            year: v("year"),
            unit: v("unit"),
            package: v("package"),
            value: v("value"),
            ordered_on: v("ordered_on"),
            due_on: v("due_on"),
            method: v("method"),
            umkm: v("umkm"),
            product: v("product"),
            supplier_name: v("supplier_name"),
            supplier_type: v("supplier_type"),
            delivered_on: v("delivered_on"),
            accepted_on: v("accepted_on"),
            paid_on: v("paid_on"),
            note: v("note"),
        }
    }

    pub(crate) fn from_stored(p: &PurchaseRow) -> Self {
        let d = |d: Option<chrono::NaiveDate>| d.map_or(String::new(), |d| d.to_string());
        let b = &p.purchase;
        Typed {
            year: b.ordered_on.year().to_string(),
            unit: p.unit_id.clone(),
            package: b.package.clone(),
            value: b.value.to_string(),
            ordered_on: b.ordered_on.to_string(),
            due_on: d(b.due_on),
            method: b.method.as_str().into(),
            umkm: p.umkm_id.clone().unwrap_or_default(),
            product: p.product_id.clone().unwrap_or_default(),
            supplier_name: p.supplier_name.clone().unwrap_or_default(),
            supplier_type: b.supplier_type.as_str().into(),
            delivered_on: d(b.delivered_on),
            accepted_on: d(b.accepted_on),
            paid_on: d(b.paid_on),
            note: p.note.clone().unwrap_or_default(),
        }
    }

    fn input(&self) -> PurchaseInput<'_> {
        PurchaseInput {
            package: &self.package,
            value: &self.value,
            ordered_on: &self.ordered_on,
            due_on: &self.due_on,
            method: &self.method,
            supplier_type: &self.supplier_type,
            delivered_on: &self.delivered_on,
            accepted_on: &self.accepted_on,
            paid_on: &self.paid_on,
        }
    }

    /// The note, when one was written.
    pub(crate) fn note(&self) -> Option<&str> {
        Some(self.note.trim()).filter(|n| !n.is_empty())
    }
}

/// The purchase checked: the purchase, its supplier and its unit, or every problem named.
pub(crate) async fn check(
    db: &Database,
    scope: &Scope,
    typed: &Typed,
    unit_id: &str,
    new: bool,
) -> Result<(Purchase, Supplier), FieldErrors> {
    let today = crate::clock::today();
    let mut e = FieldErrors::new();
    match db.unit(scope, unit_id).await {
        // A retired unit keeps its purchases (their life is still recorded) but takes no new.
        Ok(u) if new && !u.active => e.push("unit", "unit_retired"),
        Ok(_) => {}
        Err(_) => e.push("unit", "choice_invalid"),
    }
    let (supplier, registry_type) = supplier_of(db, scope, typed, &mut e).await;
    // The fiscal year chosen; without one, the order date's.
    let year = match typed.year.trim() {
        "" => parse_date(&typed.ordered_on).map_or(today.year(), |d| d.year()),
        y => match sentra_domain::targets::parse_year(y) {
            Ok(y) => y,
            Err(sentra_domain::Invalid(code)) => {
                e.push("year", code);
                today.year()
            }
        },
    };
    let purchase = match validate_purchase(&typed.input(), year, registry_type, today) {
        Ok(p) => Some(p),
        Err(x) => {
            e.0.extend(x.0);
            None
        }
    };
    match (purchase, supplier) {
        (Some(p), Some(s)) if e.is_empty() => Ok((p, s)),
        _ => Err(e),
    }
}

/// The supplier: a registered UMKM (its type from the registry, when its size is known), or
/// another named by the officer.
async fn supplier_of(
    db: &Database,
    scope: &Scope,
    typed: &Typed,
    e: &mut FieldErrors,
) -> (Option<Supplier>, Option<SupplierType>) {
    if typed.umkm.trim().is_empty() {
        return match clean_text(&typed.supplier_name, MAX_NAME) {
            Ok(Some(name)) if name.chars().count() >= 2 => (Some(Supplier::Other { name }), None),
            Ok(Some(_)) => {
                e.push("supplier_name", "text_too_short");
                (None, None)
            }
            Ok(None) => {
                e.push("supplier_name", "required");
                (None, None)
            }
            Err(sentra_domain::Invalid(code)) => {
                e.push("supplier_name", code);
                (None, None)
            }
        };
    }
    match db.supplier(scope, typed.umkm.trim()).await {
        Ok(s) => (
            Some(Supplier::Registered {
                umkm_id: s.id.clone(),
                product_id: Some(typed.product.trim().to_string()).filter(|p| !p.is_empty()),
            }),
            s.size_class.map(SupplierType::of_size),
        ),
        Err(_) => {
            e.push("umkm", "choice_invalid");
            (None, None)
        }
    }
}

/// The warning when the purchase takes the unit's spending of the year over its budget.
pub(crate) async fn budget_warning(
    db: &Database,
    lang: Lang,
    unit_id: &str,
    purchase: &Purchase,
    except: Option<&str>,
) -> Result<Option<String>, StorageError> {
    let year = purchase.ordered_on.year();
    let (budget, spent) = db.unit_budget_and_spent(unit_id, year, except).await?;
    Ok(budget
        .filter(|b| over_budget(*b, spent, purchase.value))
        .map(|b| {
            lang.tf(
                "procurement.over_budget",
                &[
                    ("budget", &format_rupiah(b)),
                    ("left", &format_rupiah((i128::from(b) - spent).max(0))),
                    ("value", &format_rupiah(purchase.value)),
                ],
            )
        }))
}
