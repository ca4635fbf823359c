//! Rows for export profiles (issue 33): a business, or a published product with its seller, as
//! a [`Record`] of the fields profiles name (`sentra_domain::export_profile::fields`), streamed.
//! Personal numbers are masked unless revealed; every export is audited with its profile.

use futures_util::TryStreamExt;
use sentra_domain::export_profile::{Record, Subject, Value, fields};
use sentra_domain::ids::parse_nik;
use sentra_domain::phone::parse_phone;
use sentra_domain::region::{RegionCode, RegionTree};
use sentra_domain::scope::Scope;
use sentra_domain::umkm::LegalKind;
use sqlx::Row;
use sqlx::any::AnyRow;
use tokio::sync::mpsc;

use crate::UmkmFilter;
use crate::accounts::audit::Actor;
use crate::sql::filter_where;
use crate::{Database, Result};

/// What a profile export takes: the businesses of the registry filter, and for products only
/// those listed in the e-katalog lokal when asked.
#[derive(Debug, Clone)]
pub struct ProfileExport {
    pub profile: String,
    pub subject: Subject,
    pub filter: UmkmFilter,
    pub only_ekatalog: bool,
    pub reveal: bool,
    /// The deployment's address (`https://…`), for the links in the rows.
    pub site: String,
}

/// The columns of a business read for a record, as `u`.
const BUSINESS_COLUMNS: &str = "u.id, u.name, u.brand, u.owner_name, u.owner_nik_enc, \
    u.owner_sex, u.owner_birth_date, u.owner_phone, u.address, u.province_code, \
    u.regency_code, u.district_code, u.village_code, u.latitude, u.longitude, u.sector_code, \
    s.name_id AS sector_name, u.kbli_code, u.year_started, u.modal_rupiah, \
    u.annual_sales_rupiah, u.employees_male, u.employees_female, u.size_class, u.status, \
    u.created_at, u.links, u.store_slug";

fn document_columns() -> String {
    LegalKind::ALL
        .iter()
        .map(|k| {
            format!(
                ", (SELECT d.number FROM umkm_documents d WHERE d.umkm_id = u.id \
                 AND d.kind = '{0}') AS doc_{0}",
                k.as_str()
            )
        })
        .collect()
}

/// The statement of an export's rows; `count` for their number instead.
fn rows_sql(export: &ProfileExport, where_clause: &str) -> String {
    let docs = document_columns();
    match export.subject {
        Subject::Umkm => format!(
            "SELECT {BUSINESS_COLUMNS}{docs} FROM umkm u \
             LEFT JOIN sectors s ON s.code = u.sector_code \
             WHERE {where_clause} ORDER BY u.id"
        ),
        Subject::Products => format!(
            "SELECT {BUSINESS_COLUMNS}{docs}, p.id AS product_id, p.slug, \
             p.name AS product_name, p.description, p.category_code, \
             c.name_id AS category_name, p.price_rupiah, p.price_max_rupiah, p.unit, \
             p.min_order, p.capacity_per_month, p.stock, p.weight_grams, p.length_mm, \
             p.width_mm, p.height_mm, p.packaging, p.shelf_life_days, p.ekatalog_listed_at, \
             (SELECT ph.object_key FROM product_photos ph WHERE ph.product_id = p.id \
              ORDER BY ph.position LIMIT 1) AS photo \
             {from} ORDER BY u.id, p.id",
            from = products_from(export, where_clause)
        ),
    }
}

/// The published products (listed in the e-katalog lokal, when asked) of the filter's businesses.
fn products_from(export: &ProfileExport, where_clause: &str) -> String {
    format!(
        "FROM products p JOIN umkm u ON u.id = p.umkm_id \
         LEFT JOIN sectors s ON s.code = u.sector_code \
         LEFT JOIN product_categories c ON c.code = p.category_code \
         WHERE p.status = 'published' {listed} AND {where_clause}",
        listed = if export.only_ekatalog {
            "AND p.ekatalog_listed_at IS NOT NULL"
        } else {
            ""
        }
    )
}

impl Database {
    /// How many products an export of products writes (a business export counts with the
    /// registry list's total).
    pub async fn count_profile_products(
        &self,
        scope: &Scope,
        export: &ProfileExport,
    ) -> Result<i64> {
        let Some((where_clause, args)) =
            filter_where(scope, &export.filter, self.prunes_by_province())
        else {
            return Ok(0);
        };
        let sql = format!(
            "SELECT COUNT(*) AS n {}",
            products_from(export, &where_clause)
        );
        let row = args.bind(sqlx::query(&sql)).fetch_one(&self.pool).await?;
        Ok(row.try_get("n")?)
    }

    /// Sends every row of the export to `rows` (businesses in id order; products by business,
    /// then id) and returns how many were sent; audited also when the receiver stops early.
    pub async fn export_profile(
        &self,
        scope: &Scope,
        export: &ProfileExport,
        actor: &Actor,
        rows: mpsc::Sender<Record>,
    ) -> Result<u64> {
        let mut sent = 0u64;
        let tree = RegionTree::embedded();
        if let Some((where_clause, args)) =
            filter_where(scope, &export.filter, self.prunes_by_province())
        {
            let sql = rows_sql(export, &where_clause);
            let mut stream = args.bind(sqlx::query(&sql)).fetch(&self.pool);
            while let Some(row) = stream.try_next().await? {
                let business = self.business_record(&row, tree, export)?;
                let record = match export.subject {
                    Subject::Umkm => business,
                    Subject::Products => product_record(&row, business, &export.site)?,
                };
                if rows.send(record).await.is_err() {
                    break;
                }
                sent += 1;
            }
        }
        let summary = serde_json::json!({
            "count": sent,
            "profile": export.profile,
            "region": scope.region_code().as_str(),
            "filter": format!("{:?}", export.filter),
            "only_ekatalog": export.only_ekatalog,
            "personal_data": export.reveal,
        });
        self.record_export(actor, export.subject.as_str(), &summary)
            .await?;
        Ok(sent)
    }

    fn business_record(
        &self,
        row: &AnyRow,
        tree: &RegionTree,
        export: &ProfileExport,
    ) -> Result<Record> {
        let text = |c: &str| -> Result<String> {
            Ok(row.try_get::<Option<String>, _>(c)?.unwrap_or_default())
        };
        let int = |c: &str| -> Result<Option<i64>> { Ok(row.try_get::<Option<i64>, _>(c)?) };
        let float = |c: &str| -> Result<Option<f64>> { Ok(row.try_get::<Option<f64>, _>(c)?) };
        let name_of = |code: &str| {
            RegionCode::parse(code)
                .ok()
                .and_then(|c| tree.get(&c))
                .map(|r| r.name.clone())
                .unwrap_or_default()
        };
        let nik = self.keyring.decrypt(&text("owner_nik_enc")?)?;
        let phone = text("owner_phone")?;
        let birth = text("owner_birth_date")?;
        let (nik, phone, birth) = if export.reveal {
            (nik, phone, Value::date(Some(&birth)))
        } else {
            (
                parse_nik(&nik).map(|n| n.masked()).unwrap_or_default(),
                parse_phone(&phone).map(|p| p.masked()).unwrap_or_default(),
                Value::Empty,
            )
        };
        let (male, female) = (int("employees_male")?, int("employees_female")?);
        let total = match (male, female) {
            (None, None) => None,
            (m, f) => Some(m.unwrap_or(0) + f.unwrap_or(0)),
        };
        let store = text("store_slug")?;
        let mut r = Record::new();
        r.insert("id", Value::text(text("id")?));
        r.insert("name", Value::text(text("name")?));
        r.insert("brand", Value::text(text("brand")?));
        r.insert("owner_name", Value::text(text("owner_name")?));
        r.insert("nik", Value::text(nik));
        r.insert("owner_sex", Value::text(text("owner_sex")?));
        r.insert("owner_birth_date", birth);
        r.insert("phone", Value::text(phone));
        r.insert("address", Value::text(text("address")?));
        for (level, field_code, field_name) in [
            ("province_code", "province_code", "province_name"),
            ("regency_code", "regency_code", "regency_name"),
            ("district_code", "district_code", "district_name"),
            ("village_code", "village_code", "village_name"),
        ] {
            let code = text(level)?;
            r.insert(field_name, Value::text(name_of(&code)));
            r.insert(field_code, Value::text(code));
        }
        r.insert("latitude", Value::decimal(float("latitude")?));
        r.insert("longitude", Value::decimal(float("longitude")?));
        r.insert("sector_code", Value::text(text("sector_code")?));
        r.insert("sector_name", Value::text(text("sector_name")?));
        r.insert("kbli_code", Value::text(text("kbli_code")?));
        r.insert("year_started", Value::integer(int("year_started")?));
        r.insert("modal", Value::rupiah(int("modal_rupiah")?));
        r.insert("annual_sales", Value::rupiah(int("annual_sales_rupiah")?));
        r.insert("employees_male", Value::integer(male));
        r.insert("employees_female", Value::integer(female));
        r.insert("employees_total", Value::integer(total));
        r.insert("size_class", Value::text(text("size_class")?));
        r.insert("status", Value::text(text("status")?));
        r.insert("registered_on", Value::date(Some(&text("created_at")?)));
        let links = text("links")?;
        r.insert(
            "online",
            Value::yes_no(!links.trim().is_empty() && links.trim() != "[]"),
        );
        r.insert(
            "store_url",
            if store.is_empty() {
                Value::Empty
            } else {
                Value::Text(format!("{}/toko/{store}", export.site))
            },
        );
        for k in LegalKind::ALL {
            let f = fields::document_field(k);
            r.insert(f, Value::text(text(f)?));
        }
        Ok(r)
    }
}

/// A product's record: its own fields and its seller's, prefixed.
fn product_record(row: &AnyRow, business: Record, site: &str) -> Result<Record> {
    let text = |c: &str| -> Result<String> {
        Ok(row.try_get::<Option<String>, _>(c)?.unwrap_or_default())
    };
    let int = |c: &str| -> Result<Option<i64>> { Ok(row.try_get::<Option<i64>, _>(c)?) };
    let cm = |c: &str| -> Result<Value> { Ok(Value::decimal(int(c)?.map(|mm| mm as f64 / 10.0))) };
    let slug = text("slug")?;
    let photo = text("photo")?;
    let mut r = Record::new();
    for (inner, name) in fields::SELLER_FIELDS.iter().zip(fields::SELLER_NAMES) {
        r.insert(name, business.get(inner).cloned().unwrap_or(Value::Empty));
    }
    r.insert("product_id", Value::text(text("product_id")?));
    r.insert("product_slug", Value::text(slug.clone()));
    r.insert("product_name", Value::text(text("product_name")?));
    r.insert("description", Value::text(text("description")?));
    r.insert("category_code", Value::text(text("category_code")?));
    r.insert("category_name", Value::text(text("category_name")?));
    r.insert("price", Value::rupiah(int("price_rupiah")?));
    r.insert("price_max", Value::rupiah(int("price_max_rupiah")?));
    r.insert("unit", Value::text(text("unit")?));
    r.insert("min_order", Value::integer(int("min_order")?));
    r.insert(
        "capacity_per_month",
        Value::integer(int("capacity_per_month")?),
    );
    r.insert("stock", Value::integer(int("stock")?));
    r.insert("weight_grams", Value::integer(int("weight_grams")?));
    r.insert("length_cm", cm("length_mm")?);
    r.insert("width_cm", cm("width_mm")?);
    r.insert("height_cm", cm("height_mm")?);
    r.insert("packaging", Value::text(text("packaging")?));
    r.insert("shelf_life_days", Value::integer(int("shelf_life_days")?));
    r.insert(
        "ekatalog",
        Value::yes_no(!text("ekatalog_listed_at")?.is_empty()),
    );
    r.insert("product_url", Value::Text(format!("{site}/p/{slug}")));
    r.insert(
        "photo_url",
        if photo.is_empty() {
            Value::Empty
        } else {
            // The largest size Sentra keeps (sentra_media::photo::SIZES).
            Value::Text(format!("{site}/media/{photo}-lg.jpg"))
        },
    );
    let spec = sentra_domain::export_profile::specification(&r);
    r.insert("specification", Value::text(spec));
    Ok(r)
}
