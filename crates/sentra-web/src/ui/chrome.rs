//! The frame of every page: title, language switch, the header's menu of what the caller may
//! open.

use axum::http::Uri;
use sentra_domain::account::Permission;

use crate::auth::Caller;
use crate::lang::Lang;

/// What every page's frame needs.
pub struct Chrome {
    pub lang: Lang,
    pub title: String,
    /// The same page in the other language.
    pub switch_href: String,
    pub switch_label: &'static str,
    /// The other language's code, for `hreflang` and `lang`.
    pub switch_code: &'static str,
    /// The session's CSRF token, put in every form.
    pub csrf: String,
    /// The signed-in user's name and role, for the header.
    pub user: Option<String>,
    /// The header's links: only what the caller may open.
    pub nav: Vec<NavLink>,
    pub css_href: &'static str,
    pub js_href: &'static str,
    path: String,
}

pub struct NavLink {
    pub href: &'static str,
    pub label: String,
    /// The page being shown, announced as `aria-current="page"`.
    pub current: bool,
}

impl Chrome {
    pub fn signed_in(mut self, caller: &Caller) -> Self {
        use Permission::*;
        self.csrf = caller.csrf.clone().unwrap_or_default();
        self.user = Some(format!(
            "{} ({})",
            caller.user.name,
            self.lang.t(&format!("role.{}", caller.user.role.as_str()))
        ));
        let role = caller.user.role;
        let links = [
            ("/kerja", "nav.work", VerifyRegistry),
            ("/umkm", "nav.registry", ReadRegistry),
            ("/katalog", "nav.catalog", ReadRegistry),
            ("/dasbor", "nav.dashboard", ReadDashboards),
            ("/laporan", "nav.reports", ReadDashboards),
            ("/pengadaan", "nav.procurement", ReadProcurement),
            ("/unggulan", "nav.flagship", ReadDashboards),
            ("/mitra", "nav.partners", ReadPartnerships),
            ("/galeri", "nav.gallery", RunGallery),
            ("/lapangan/", "fieldapp.nav", WorkInField),
            ("/kegiatan", "nav.activities", ReadProgrammes),
            ("/umkm/new", "nav.new_umkm", WriteRegistry),
            ("/umkm/import", "nav.import", ImportRegistry),
            ("/umkm/duplicates", "nav.duplicates", VerifyRegistry),
            ("/audit", "nav.audit", ReadAudit),
            ("/admin/users", "nav.users", ManageUsers),
            ("/admin/kategori", "nav.categories", ManageCatalog),
            ("/admin/sinonim", "nav.synonyms", ManageCatalog),
        ];
        self.nav = links
            .into_iter()
            .filter(|(_, _, p)| role.can(*p))
            .map(|(href, key, _)| self.link(href, key))
            .collect();
        if role == sentra_domain::account::Role::Owner {
            self.nav.insert(0, self.link("/usaha", "nav.mine"));
        }
        // The curator's own start; an admin, who may curate too, has the dashboard (and a
        // header that must stay on two rows).
        if role == sentra_domain::account::Role::Curator {
            self.nav.insert(0, self.link("/kurasi", "nav.curate"));
        }
        if role.can(BuyFromEkatalog) {
            // Government buyers shop the e-katalog lokal (Perpres 12/2021 Pasal 65).
            self.nav
                .insert(0, self.link("/katalog?ekatalog=1", "nav.ekatalog"));
        }
        self
    }

    /// A public page's frame: the visitor's own menu and sign-out when a session came with the
    /// request, the signed-out links otherwise.
    pub fn for_visitor(self, visitor: &Result<Caller, axum::response::Response>) -> Self {
        match visitor {
            Ok(caller) => self.signed_in(caller),
            Err(_) => self,
        }
    }

    /// The frame for a page seen by `viewer` when someone is signed in, else a visitor's.
    pub fn for_viewer(self, viewer: Option<&Caller>) -> Self {
        match viewer {
            Some(caller) => self.signed_in(caller),
            None => self,
        }
    }

    fn link(&self, href: &'static str, key: &str) -> NavLink {
        NavLink {
            href,
            label: self.lang.t(key).into_owned(),
            current: self.path == href,
        }
    }

    pub fn new(lang: Lang, title: String, uri: &Uri) -> Self {
        let other = if lang == Lang::Id { Lang::En } else { Lang::Id };
        let mut pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(uri.query().unwrap_or("")).unwrap_or_default();
        pairs.retain(|(k, _)| k != "lang");
        pairs.push(("lang".into(), other.code().into()));
        let mut chrome = Chrome {
            lang,
            title,
            switch_href: format!(
                "{}?{}",
                uri.path(),
                serde_urlencoded::to_string(&pairs).unwrap_or_default()
            ),
            csrf: String::new(),
            user: None,
            switch_label: if other == Lang::En {
                "English"
            } else {
                "Bahasa Indonesia"
            },
            switch_code: other.code(),
            nav: Vec::new(),
            css_href: &crate::assets::CSS.href,
            js_href: &crate::assets::JS.href,
            path: uri.path().to_string(),
        };
        chrome.nav = vec![
            chrome.link("/katalog", "nav.catalog"),
            chrome.link("/login", "auth.sign_in"),
            chrome.link("/signup", "nav.signup"),
        ];
        chrome
    }
}
