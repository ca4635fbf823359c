//! Procurement spreadsheets written to the database (issue 9): budget lines (a unit created
//! when its code is new; a new budget revision when the amount changed) or purchase lines (a
//! registered supplier found by NIB, a package matched by unit, year and number — equal:
//! unchanged, different: updated, new: inserted). One transaction: a check writes nothing, a
//! save writes every valid line or, when asked, nothing if any line is invalid. Uploaded files
//! wait in `procurement_uploads` between the check and the save.

use std::collections::{HashMap, HashSet};

use sentra_domain::procurement::{Purchase, SupplierType};
use sentra_domain::procurement_sheet::{BudgetLine, PurchaseLine, column_field};
use sentra_domain::region::RegionCode;
use sentra_domain::scope::Scope;
use sentra_domain::size::SizeClass;
use sqlx::Row;

use crate::accounts::audit::{self, Actor};
use crate::procurement::{PurchaseFilter, PurchaseRow, Supplier};
use crate::{Database, Result, StorageError, now_text};

/// The lines of one file, each with its row number as the spreadsheet shows it.
#[derive(Debug, Clone)]
pub enum ProcurementLines {
    Budgets(Vec<(usize, BudgetLine)>),
    Purchases(Vec<(usize, PurchaseLine)>),
}

/// A line the database refused: its row, the field and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineProblem {
    pub line: usize,
    pub field: &'static str,
    pub code: &'static str,
}

/// A unit whose spending of a year goes over its budget once the file is in (a warning).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverBudget {
    pub unit_code: String,
    pub year: i32,
    /// A total of purchases: `i128`, which a file of amounts up to `money::MAX_RUPIAH` cannot
    /// overflow.
    pub spent: i128,
    pub budget: i64,
}

/// What a check found or a save did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProcurementOutcome {
    pub new: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub units_created: usize,
    pub problems: Vec<LineProblem>,
    pub over_budget: Vec<OverBudget>,
    pub written: bool,
}

/// An uploaded procurement file waiting to be saved.
#[derive(Debug, Clone)]
pub struct ProcurementUpload {
    pub id: String,
    pub region_code: String,
    pub file_name: String,
    pub data: Vec<u8>,
    pub saved: bool,
}

/// Uploads are kept a week.
const UPLOAD_DAYS: i64 = 7;

enum Action {
    CreateUnit {
        code: String,
        name: String,
    },
    Budget {
        unit: UnitKey,
        year: i32,
        amount: i64,
    },
    Insert {
        unit: UnitKey,
        purchase: Purchase,
        supplier: Supplier,
    },
    Update {
        old: Box<PurchaseRow>,
        purchase: Purchase,
        supplier: Supplier,
    },
}

/// A unit by its id, or by the code of one this file creates.
#[derive(Clone)]
enum UnitKey {
    Id(String),
    New(String),
}

struct Unit {
    id: String,
    active: bool,
}

impl Database {
    /// Checks (`write` false) or saves the lines into `region`'s units. With `all_or_nothing`,
    /// a single invalid line keeps everything out.
    pub async fn import_procurement(
        &self,
        scope: &Scope,
        region: &RegionCode,
        lines: &ProcurementLines,
        write: bool,
        all_or_nothing: bool,
        actor: &Actor,
    ) -> Result<ProcurementOutcome> {
        if !scope.contains(region) || scope.owner().is_some() {
            return Err(StorageError::NotFound);
        }
        let mut units: HashMap<String, Unit> = HashMap::new();
        for r in sqlx::query("SELECT id, code, active FROM government_units WHERE region_code = $1")
            .bind(region.as_str())
            .fetch_all(&self.pool)
            .await?
        {
            units.insert(
                r.try_get("code")?,
                Unit {
                    id: r.try_get("id")?,
                    active: r.try_get::<i64, _>("active")? != 0,
                },
            );
        }
        let mut out = ProcurementOutcome::default();
        let mut actions = Vec::new();
        // What each unit and year spends once the file is in: (unit key text, year) → spent.
        let mut spending: HashMap<(String, i32), i128> = HashMap::new();
        match lines {
            ProcurementLines::Budgets(lines) => {
                self.plan_budgets(region, lines, &units, &mut out, &mut actions)
                    .await?;
            }
            ProcurementLines::Purchases(lines) => {
                self.plan_purchases(
                    scope,
                    region,
                    lines,
                    &units,
                    &mut out,
                    &mut actions,
                    &mut spending,
                )
                .await?;
            }
        }
        out.over_budget = self.over_budget(&units, &spending).await?;
        let refused = !out.problems.is_empty() && all_or_nothing;
        if !write || refused || actions.is_empty() {
            return Ok(out);
        }
        let mut tx = self.pool.begin().await?;
        audit::begin_write(&mut tx).await?;
        let mut created: HashMap<String, String> = HashMap::new();
        let now = now_text();
        let resolve = |k: &UnitKey, created: &HashMap<String, String>| -> Result<String> {
            match k {
                UnitKey::Id(id) => Ok(id.clone()),
                UnitKey::New(code) => created
                    .get(code)
                    .cloned()
                    .ok_or_else(|| StorageError::Corrupt(format!("unit {code} not created"))),
            }
        };
        for action in &actions {
            match action {
                Action::CreateUnit { code, name } => {
                    let id = uuid::Uuid::now_v7().to_string();
                    sqlx::query(
                        "INSERT INTO government_units (id, region_code, code, name, created_at) \
                         VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(&id)
                    .bind(region.as_str())
                    .bind(code)
                    .bind(name)
                    .bind(&now)
                    .execute(&mut *tx)
                    .await?;
                    let changes = serde_json::json!({
                        "region": region.as_str(), "code": code, "name": name, "source": "import"
                    });
                    audit::append(
                        &mut tx,
                        &self.audit_chain,
                        actor,
                        "create",
                        "government_unit",
                        Some(&id),
                        &changes,
                    )
                    .await?;
                    created.insert(code.clone(), id);
                }
                Action::Budget { unit, year, amount } => {
                    let unit_id = resolve(unit, &created)?;
                    let revision: i64 = sqlx::query(
                        "SELECT COALESCE(MAX(revision), 0) + 1 AS r FROM unit_budgets \
                         WHERE unit_id = $1 AND year = $2",
                    )
                    .bind(&unit_id)
                    .bind(i64::from(*year))
                    .fetch_one(&mut *tx)
                    .await?
                    .try_get("r")?;
                    sqlx::query(
                        "INSERT INTO unit_budgets (unit_id, year, revision, amount_rupiah, \
                         set_by, set_at) VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(&unit_id)
                    .bind(i64::from(*year))
                    .bind(revision)
                    .bind(*amount)
                    .bind(&actor.name)
                    .bind(&now)
                    .execute(&mut *tx)
                    .await?;
                    let changes = serde_json::json!({
                        "revision": revision, "amount": amount, "source": "import"
                    });
                    audit::append(
                        &mut tx,
                        &self.audit_chain,
                        actor,
                        "set_budget",
                        "government_unit",
                        Some(&format!("{unit_id}/{year}")),
                        &changes,
                    )
                    .await?;
                }
                Action::Insert {
                    unit,
                    purchase,
                    supplier,
                } => {
                    let unit_id = resolve(unit, &created)?;
                    crate::procurement::insert_purchase(
                        &mut tx,
                        &self.audit_chain,
                        &unit_id,
                        purchase,
                        supplier,
                        Some("import"),
                        actor,
                    )
                    .await?;
                }
                Action::Update {
                    old,
                    purchase,
                    supplier,
                } => {
                    crate::procurement::write_purchase_update(
                        &mut tx,
                        &self.audit_chain,
                        old,
                        purchase,
                        supplier,
                        old.note.as_deref(),
                        actor,
                    )
                    .await?;
                }
            }
        }
        tx.commit().await?;
        out.written = true;
        Ok(out)
    }

    async fn plan_budgets(
        &self,
        region: &RegionCode,
        lines: &[(usize, BudgetLine)],
        units: &HashMap<String, Unit>,
        out: &mut ProcurementOutcome,
        actions: &mut Vec<Action>,
    ) -> Result<()> {
        let mut latest: HashMap<(String, i32), i64> = HashMap::new();
        for r in sqlx::query(
            "SELECT b.unit_id, b.year, b.amount_rupiah FROM unit_budgets b \
             JOIN government_units g ON g.id = b.unit_id WHERE g.region_code = $1 \
             AND b.revision = (SELECT MAX(c.revision) FROM unit_budgets c \
                               WHERE c.unit_id = b.unit_id AND c.year = b.year)",
        )
        .bind(region.as_str())
        .fetch_all(&self.pool)
        .await?
        {
            let year: i64 = r.try_get("year")?;
            latest.insert(
                (r.try_get("unit_id")?, year as i32),
                r.try_get("amount_rupiah")?,
            );
        }
        let mut seen: HashMap<(String, i32), usize> = HashMap::new();
        let mut new_units: HashSet<String> = HashSet::new();
        for (line, b) in lines {
            let problem = |field, code| LineProblem {
                line: *line,
                field,
                code,
            };
            if seen.insert((b.unit_code.clone(), b.year), *line).is_some() {
                out.problems.push(problem("year", "budget_repeated"));
                continue;
            }
            let key = match units.get(&b.unit_code) {
                Some(u) => UnitKey::Id(u.id.clone()),
                None => match &b.unit_name {
                    Some(name) => {
                        if new_units.insert(b.unit_code.clone()) {
                            actions.push(Action::CreateUnit {
                                code: b.unit_code.clone(),
                                name: name.clone(),
                            });
                            out.units_created += 1;
                        }
                        UnitKey::New(b.unit_code.clone())
                    }
                    None => {
                        out.problems.push(problem("name", "unit_name_needed"));
                        continue;
                    }
                },
            };
            let current = match &key {
                UnitKey::Id(id) => latest.get(&(id.clone(), b.year)).copied(),
                UnitKey::New(_) => None,
            };
            match current {
                Some(a) if a == b.amount => out.unchanged += 1,
                Some(_) => {
                    out.updated += 1;
                    actions.push(Action::Budget {
                        unit: key,
                        year: b.year,
                        amount: b.amount,
                    });
                }
                None => {
                    out.new += 1;
                    actions.push(Action::Budget {
                        unit: key,
                        year: b.year,
                        amount: b.amount,
                    });
                }
            }
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    async fn plan_purchases(
        &self,
        scope: &Scope,
        region: &RegionCode,
        lines: &[(usize, PurchaseLine)],
        units: &HashMap<String, Unit>,
        out: &mut ProcurementOutcome,
        actions: &mut Vec<Action>,
        spending: &mut HashMap<(String, i32), i128>,
    ) -> Result<()> {
        let today = chrono::Utc::now().date_naive();
        // The registry's businesses by NIB, inside the caller's scope.
        let nibs: Vec<&str> = lines
            .iter()
            .filter_map(|(_, l)| l.supplier_nib.as_deref())
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let mut registered: HashMap<String, (String, Option<SizeClass>)> = HashMap::new();
        for chunk in nibs.chunks(400) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT d.number, u.id, u.size_class, u.village_code, u.owner_user_id \
                 FROM umkm_documents d JOIN umkm u ON u.province_code = d.province_code AND u.id = d.umkm_id \
                 WHERE d.kind = 'nib' AND u.merged_into IS NULL AND d.number IN ({}) \
                 ORDER BY u.id",
                marks.join(", ")
            );
            let mut q = sqlx::query(&sql);
            for n in chunk {
                q = q.bind(*n);
            }
            for r in q.fetch_all(&self.pool).await? {
                let village: String = r.try_get("village_code")?;
                let owner: Option<String> = r.try_get("owner_user_id")?;
                if !crate::sql::scope_admits(scope, &village, owner.as_deref()) {
                    continue;
                }
                let size: Option<String> = r.try_get("size_class")?;
                registered
                    .entry(r.try_get("number")?)
                    .or_insert((r.try_get("id")?, size.as_deref().and_then(SizeClass::parse)));
            }
        }
        // The region's purchases already recorded, by unit, year and package.
        let mut existing: HashMap<(String, i32, String), PurchaseRow> = HashMap::new();
        for p in self
            .purchases(
                scope,
                &PurchaseFilter {
                    region: Some(region.clone()),
                    ..PurchaseFilter::default()
                },
            )
            .await?
        {
            let year = chrono::Datelike::year(&p.purchase.ordered_on);
            existing.insert((p.unit_id.clone(), year, p.purchase.package.clone()), p);
        }
        let mut seen: HashMap<(String, i32, String), usize> = HashMap::new();
        for (line, l) in lines {
            let problem = |field, code| LineProblem {
                line: *line,
                field,
                code,
            };
            let Some(unit) = units.get(&l.unit_code) else {
                out.problems.push(problem("code", "unit_unknown"));
                continue;
            };
            if !unit.active {
                out.problems.push(problem("code", "unit_retired"));
                continue;
            }
            let found = l.supplier_nib.as_ref().and_then(|n| registered.get(n));
            let registry_type = found.and_then(|(_, size)| size.map(SupplierType::of_size));
            let purchase = match (&l.purchase, registry_type) {
                (Some(p), None) => p.clone(),
                _ => match l.input.check(registry_type, today) {
                    Ok(p) => p,
                    Err(e) => {
                        for x in e.iter() {
                            let (field, code) = match x.field.as_str() {
                                // A NIB the registry does not know: the file must say what
                                // kind of supplier it is.
                                "supplier_type" if l.supplier_nib.is_some() && found.is_none() => {
                                    ("supplier_nib", "nib_not_in_registry")
                                }
                                f => (column_field(f), x.code),
                            };
                            out.problems.push(problem(field, code));
                        }
                        continue;
                    }
                },
            };
            let supplier = match found {
                Some((id, _)) => Supplier::Registered {
                    umkm_id: id.clone(),
                    product_id: None,
                },
                None => Supplier::Other {
                    name: l
                        .supplier_name
                        .clone()
                        .or_else(|| l.supplier_nib.as_ref().map(|n| format!("NIB {n}")))
                        .unwrap_or_default(),
                },
            };
            let year = chrono::Datelike::year(&purchase.ordered_on);
            let key = (unit.id.clone(), year, purchase.package.clone());
            if seen.insert(key.clone(), *line).is_some() {
                out.problems.push(problem("package", "package_repeated"));
                continue;
            }
            *spending.entry((unit.id.clone(), year)).or_default() += i128::from(purchase.value);
            match existing.get(&key) {
                Some(old) => {
                    // A product chosen in the browser stays when the file names the same
                    // business.
                    let supplier = match (&supplier, &old.umkm_id) {
                        (Supplier::Registered { umkm_id, .. }, Some(was)) if umkm_id == was => {
                            old.supplier()
                        }
                        _ => supplier,
                    };
                    if old.purchase == purchase && old.supplier() == supplier {
                        out.unchanged += 1;
                    } else {
                        out.updated += 1;
                        actions.push(Action::Update {
                            old: Box::new(old.clone()),
                            purchase,
                            supplier,
                        });
                    }
                }
                None => {
                    out.new += 1;
                    actions.push(Action::Insert {
                        unit: UnitKey::Id(unit.id.clone()),
                        purchase,
                        supplier,
                    });
                }
            }
        }
        // What the file does not touch still counts toward each unit's year.
        for ((unit, year, _), p) in &existing {
            if !seen.contains_key(&(unit.clone(), *year, p.purchase.package.clone()))
                && let Some(s) = spending.get_mut(&(unit.clone(), *year))
            {
                *s += i128::from(p.purchase.value);
            }
        }
        Ok(())
    }

    async fn over_budget(
        &self,
        units: &HashMap<String, Unit>,
        spending: &HashMap<(String, i32), i128>,
    ) -> Result<Vec<OverBudget>> {
        let mut out = Vec::new();
        for ((unit_id, year), spent) in spending {
            let (budget, _) = self.unit_budget_and_spent(unit_id, *year, None).await?;
            if let Some(budget) = budget.filter(|b| *spent > i128::from(*b)) {
                let code = units
                    .iter()
                    .find(|(_, u)| &u.id == unit_id)
                    .map_or_else(String::new, |(c, _)| c.clone());
                out.push(OverBudget {
                    unit_code: code,
                    year: *year,
                    spent: *spent,
                    budget,
                });
            }
        }
        out.sort_by(|a, b| (&a.unit_code, a.year).cmp(&(&b.unit_code, b.year)));
        Ok(out)
    }

    /// Keeps an uploaded procurement file for its check and save; older uploads are let go.
    pub async fn save_procurement_upload(
        &self,
        user_id: &str,
        region: &RegionCode,
        file_name: &str,
        data: &[u8],
    ) -> Result<String> {
        let id = uuid::Uuid::now_v7().to_string();
        let cutoff = (chrono::Utc::now() - chrono::Duration::days(UPLOAD_DAYS))
            .format("%Y-%m-%dT%H:%M:%S%.3fZ")
            .to_string();
        sqlx::query("DELETE FROM procurement_uploads WHERE created_at < $1")
            .bind(cutoff)
            .execute(&self.pool)
            .await?;
        sqlx::query(
            "INSERT INTO procurement_uploads (id, created_by, region_code, file_name, file_data, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&id)
        .bind(user_id)
        .bind(region.as_str())
        .bind(file_name)
        .bind(data)
        .bind(now_text())
        .execute(&self.pool)
        .await?;
        Ok(id)
    }

    /// An upload of this user's.
    pub async fn procurement_upload(&self, user_id: &str, id: &str) -> Result<ProcurementUpload> {
        let r = sqlx::query(
            "SELECT id, region_code, file_name, file_data, saved_at FROM procurement_uploads \
             WHERE id = $1 AND created_by = $2",
        )
        .bind(id)
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StorageError::NotFound)?;
        let saved: Option<String> = r.try_get("saved_at")?;
        Ok(ProcurementUpload {
            id: r.try_get("id")?,
            region_code: r.try_get("region_code")?,
            file_name: r.try_get("file_name")?,
            data: r.try_get("file_data")?,
            saved: saved.is_some(),
        })
    }

    pub async fn mark_procurement_upload_saved(&self, id: &str) -> Result<()> {
        sqlx::query("UPDATE procurement_uploads SET saved_at = $1 WHERE id = $2")
            .bind(now_text())
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
