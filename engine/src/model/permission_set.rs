//! A set of permissions of one catalog as a bitset over their ids: union, intersection and
//! difference of expanded wildcards cost a few hundred word operations.

use super::usage::PermissionId as ActionId;

/// A set of actions of one catalog.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct PermissionSet {
    words: Vec<u64>,
}

impl PermissionSet {
    /// The empty set over a catalog of `len` actions.
    pub fn empty(len: usize) -> Self {
        PermissionSet {
            words: vec![0; len.div_ceil(64)],
        }
    }

    /// Every action of a catalog of `len` actions.
    pub fn full(len: usize) -> Self {
        let mut s = Self::empty(len);
        for id in 0..len {
            s.insert(ActionId(id as u32));
        }
        s
    }

    /// Adds one action.
    pub fn insert(&mut self, id: ActionId) {
        let i = id.0 as usize;
        self.words[i / 64] |= 1 << (i % 64);
    }

    /// True when the set holds `id`.
    pub fn contains(&self, id: ActionId) -> bool {
        let i = id.0 as usize;
        self.words
            .get(i / 64)
            .is_some_and(|w| w & (1 << (i % 64)) != 0)
    }

    /// Adds every action of `other`.
    pub fn union_with(&mut self, other: &PermissionSet) {
        for (a, b) in self.words.iter_mut().zip(&other.words) {
            *a |= b;
        }
    }

    /// Keeps only actions also in `other`.
    pub fn intersect_with(&mut self, other: &PermissionSet) {
        for (a, b) in self.words.iter_mut().zip(&other.words) {
            *a &= b;
        }
    }

    /// Removes every action of `other`.
    pub fn subtract(&mut self, other: &PermissionSet) {
        for (a, b) in self.words.iter_mut().zip(&other.words) {
            *a &= !b;
        }
    }

    /// Every action not in the set, over a catalog of `len` actions.
    pub fn complement(&self, len: usize) -> PermissionSet {
        let mut full = Self::full(len);
        full.subtract(self);
        full
    }

    /// True when the two sets share an action.
    pub fn intersects(&self, other: &PermissionSet) -> bool {
        self.words.iter().zip(&other.words).any(|(a, b)| a & b != 0)
    }

    /// True when every action of `other` is in the set.
    pub fn is_superset(&self, other: &PermissionSet) -> bool {
        self.words
            .iter()
            .zip(&other.words)
            .all(|(a, b)| b & !a == 0)
    }

    /// Number of actions.
    pub fn len(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// True when the set holds no action.
    pub fn is_empty(&self) -> bool {
        self.words.iter().all(|w| *w == 0)
    }

    /// Action ids in ascending order (the catalog's order: by service, then name).
    pub fn iter(&self) -> impl Iterator<Item = ActionId> + '_ {
        self.words.iter().enumerate().flat_map(|(wi, &w)| {
            let mut w = w;
            std::iter::from_fn(move || {
                if w == 0 {
                    return None;
                }
                let bit = w.trailing_zeros();
                w &= w - 1;
                Some(ActionId((wi * 64) as u32 + bit))
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_algebra() {
        let mut a = PermissionSet::empty(130);
        a.insert(ActionId(0));
        a.insert(ActionId(64));
        a.insert(ActionId(129));
        let mut b = PermissionSet::empty(130);
        b.insert(ActionId(64));
        assert!(a.is_superset(&b) && !b.is_superset(&a));
        assert!(a.intersects(&b));
        a.subtract(&b);
        assert_eq!(
            a.iter().collect::<Vec<_>>(),
            vec![ActionId(0), ActionId(129)]
        );
        assert_eq!(b.complement(130).len(), 129);
        assert_eq!(PermissionSet::full(130).len(), 130);
    }
}
