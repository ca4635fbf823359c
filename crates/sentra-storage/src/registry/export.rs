//! The registry out as rows, streamed: a million records never sit in memory. Personal numbers
//! are masked unless the caller may see them, and every export is audited (UU 27/2022 PDP).

use futures_util::TryStreamExt;
use sentra_domain::ids::parse_nik;
use sentra_domain::phone::parse_phone;
use sentra_domain::region::RegionTree;
use sentra_domain::scope::Scope;
use sqlx::Row;
use tokio::sync::mpsc;

use crate::UmkmFilter;
use crate::accounts::audit::Actor;
use crate::sql::filter_where;
use crate::{Database, Result};

/// The export's first columns in Indonesian (the files add labels' codes after them). The
/// headers are the ones the importer recognises, so an export can be edited in a spreadsheet
/// and imported again.
pub const EXPORT_HEADERS: &[&str] = &[
    "ID",
    "Nama Usaha",
    "Merek",
    "Nama Pemilik",
    "NIK",
    "No. HP/WA",
    "Alamat",
    "Kode Wilayah",
    "Desa/Kelurahan",
    "Kecamatan",
    "Jenis Usaha",
    "KBLI",
    "Tahun Mulai Usaha",
    "Modal",
    "Omzet/Tahun",
    "Tenaga Kerja L",
    "Tenaga Kerja P",
    "Skala Usaha",
    "NIB",
    "Status",
    "Diperbarui",
];

/// One exported record, typed: the writers of the files decide how each value is shown
/// (numbers as numbers, codes with their labels). NIK and phone are already masked unless
/// revealed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExportedUmkm {
    pub id: String,
    pub name: String,
    pub brand: String,
    pub owner_name: String,
    pub nik: String,
    pub phone: String,
    pub address: String,
    pub village_code: String,
    pub village_name: String,
    pub district_name: String,
    pub sector_code: String,
    pub kbli_code: String,
    pub year_started: Option<i64>,
    pub modal_rupiah: Option<i64>,
    pub annual_sales_rupiah: Option<i64>,
    pub employees_male: Option<i64>,
    pub employees_female: Option<i64>,
    /// `mikro`, `kecil`, … or empty when it cannot be told.
    pub size_class: String,
    pub nib: String,
    /// `draft`, `verified` or `inactive`.
    pub status: String,
    /// RFC 3339 UTC, as stored.
    pub updated_at: String,
}

impl Database {
    /// Sends every record of the scope that passes `filter` to `rows`, in id order, and returns
    /// how many were sent. With `reveal` the NIK and phone are whole, otherwise masked. The
    /// export is audited with its filter and count, also when the receiver stops early.
    pub async fn export_umkm(
        &self,
        scope: &Scope,
        filter: &UmkmFilter,
        reveal: bool,
        actor: &Actor,
        rows: mpsc::Sender<ExportedUmkm>,
    ) -> Result<u64> {
        let mut sent = 0u64;
        let tree = RegionTree::embedded();
        if let Some((where_clause, args)) = filter_where(scope, filter, self.prunes_by_province()) {
            let sql = format!(
                "SELECT u.id, u.name, u.brand, u.owner_name, u.owner_nik_enc, u.owner_phone, \
                 u.address, u.village_code, u.district_code, u.sector_code, u.kbli_code, \
                 u.year_started, u.modal_rupiah, u.annual_sales_rupiah, u.employees_male, \
                 u.employees_female, u.size_class, u.status, u.updated_at, \
                 (SELECT d.number FROM umkm_documents d WHERE d.umkm_id = u.id AND d.kind = 'nib') AS nib \
                 FROM umkm u WHERE {where_clause} ORDER BY u.id"
            );
            let query = sqlx::query(&sql);
            let mut stream = args.bind(query).fetch(&self.pool);
            while let Some(row) = stream.try_next().await? {
                let text = |c: &str| -> Result<String> {
                    Ok(row.try_get::<Option<String>, _>(c)?.unwrap_or_default())
                };
                let int =
                    |c: &str| -> Result<Option<i64>> { Ok(row.try_get::<Option<i64>, _>(c)?) };
                let nik = self.keyring.decrypt(&text("owner_nik_enc")?)?;
                let phone = text("owner_phone")?;
                let (nik, phone) = if reveal {
                    (nik, phone)
                } else {
                    (
                        parse_nik(&nik).map(|n| n.masked()).unwrap_or_default(),
                        parse_phone(&phone).map(|p| p.masked()).unwrap_or_default(),
                    )
                };
                let name_of = |code: String| {
                    sentra_domain::region::RegionCode::parse(&code)
                        .ok()
                        .and_then(|c| tree.get(&c))
                        .map(|r| r.name.clone())
                        .unwrap_or_default()
                };
                let village = text("village_code")?;
                let record = ExportedUmkm {
                    id: text("id")?,
                    name: text("name")?,
                    brand: text("brand")?,
                    owner_name: text("owner_name")?,
                    nik,
                    phone,
                    address: text("address")?,
                    village_name: name_of(village.clone()),
                    village_code: village,
                    district_name: name_of(text("district_code")?),
                    sector_code: text("sector_code")?,
                    kbli_code: text("kbli_code")?,
                    year_started: int("year_started")?,
                    modal_rupiah: int("modal_rupiah")?,
                    annual_sales_rupiah: int("annual_sales_rupiah")?,
                    employees_male: int("employees_male")?,
                    employees_female: int("employees_female")?,
                    size_class: text("size_class")?,
                    nib: text("nib")?,
                    status: text("status")?,
                    updated_at: text("updated_at")?,
                };
                if rows.send(record).await.is_err() {
                    break;
                }
                sent += 1;
            }
        }
        let summary = serde_json::json!({
            "count": sent,
            "region": scope.region_code().as_str(),
            "filter": format!("{filter:?}"),
            "personal_data": reveal,
        });
        self.record_export(actor, "umkm", &summary).await?;
        Ok(sent)
    }
}
