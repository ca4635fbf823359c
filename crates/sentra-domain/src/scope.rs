//! The caller's region scope. Every storage query that lists or changes records takes one, so a
//! query cannot be written without it. The accounts issue adds roles on top of the region.

use crate::region::RegionCode;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    region: RegionCode,
    /// For UMKM owners: only the records they own, inside the region.
    owner: Option<String>,
}

impl Scope {
    /// Everything inside `region` (e.g. `36.74` = the whole city, `36.74.03` = one kecamatan).
    pub fn region(region: RegionCode) -> Self {
        Self {
            region,
            owner: None,
        }
    }

    /// Only the records owned by the user `owner_id`, inside `region`.
    pub fn owned_by(region: RegionCode, owner_id: String) -> Self {
        Self {
            region,
            owner: Some(owner_id),
        }
    }

    pub fn owner(&self) -> Option<&str> {
        self.owner.as_deref()
    }

    pub fn region_code(&self) -> &RegionCode {
        &self.region
    }

    pub fn contains(&self, code: &RegionCode) -> bool {
        code.is_within(&self.region)
    }

    /// Holds all of `region` (it is the scope's region or lies inside it) for every owner: who
    /// may change what applies to the whole of that region.
    pub fn covers(&self, region: &RegionCode) -> bool {
        self.owner.is_none() && self.contains(region)
    }

    /// The narrower of the scope and a requested region filter, or `None` when they do not
    /// overlap (the answer is then empty, never an error that reveals anything).
    pub fn narrow(&self, filter: Option<&RegionCode>) -> Option<RegionCode> {
        match filter {
            None => Some(self.region.clone()),
            Some(f) if f.is_within(&self.region) => Some(f.clone()),
            Some(f) if self.region.is_within(f) => Some(self.region.clone()),
            Some(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> RegionCode {
        RegionCode::parse(s).unwrap()
    }

    #[test]
    fn narrow_takes_the_deeper_region_or_nothing() {
        let scope = Scope::region(code("36.74.03"));
        assert_eq!(scope.narrow(None), Some(code("36.74.03")));
        assert_eq!(scope.narrow(Some(&code("36.74"))), Some(code("36.74.03")));
        assert_eq!(
            scope.narrow(Some(&code("36.74.03.1005"))),
            Some(code("36.74.03.1005"))
        );
        assert_eq!(scope.narrow(Some(&code("36.74.01"))), None);
    }

    #[test]
    fn only_a_scope_holding_all_of_a_region_covers_it() {
        let city = code("36.74");
        assert!(Scope::region(code("36.74")).covers(&city));
        assert!(Scope::region(code("36")).covers(&city));
        assert!(!Scope::region(code("36.74.03")).covers(&city));
        assert!(!Scope::region(code("36.71")).covers(&city));
        assert!(!Scope::owned_by(code("36.74"), "u1".into()).covers(&city));
    }
}
