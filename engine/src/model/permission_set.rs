//! A set of permissions of one catalog as a bitset over their ids: union, intersection and
//! difference of expanded wildcards cost a few hundred word operations.

use super::usage::PermissionId as ActionId;

/// A set of actions of one catalog.
///
/// Only a window of words is stored (`lo..lo + words.len()`); every word outside it is zero.
/// A statement's actions are usually one or two services, a few words of the catalog's
/// hundreds, so a set costs — and a clone copies — those few words, and the operations only
/// visit them.
#[derive(Debug, Clone, Default)]
pub struct PermissionSet {
    lo: usize,
    words: Vec<u64>,
}

impl PartialEq for PermissionSet {
    fn eq(&self, other: &Self) -> bool {
        self.trimmed() == other.trimmed()
    }
}

impl Eq for PermissionSet {}

impl std::hash::Hash for PermissionSet {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.trimmed().hash(state);
    }
}

impl PermissionSet {
    /// The empty set over a catalog of `len` actions (nothing is stored until an action is).
    pub fn empty(_len: usize) -> Self {
        PermissionSet::default()
    }

    /// Every action of a catalog of `len` actions.
    pub fn full(len: usize) -> Self {
        let mut words = vec![u64::MAX; len / 64];
        if !len.is_multiple_of(64) {
            words.push((1u64 << (len % 64)) - 1);
        }
        PermissionSet { lo: 0, words }
    }

    /// One past the last stored word.
    fn hi(&self) -> usize {
        self.lo + self.words.len()
    }

    /// Word `i`, zero outside the window.
    fn word(&self, i: usize) -> u64 {
        i.checked_sub(self.lo)
            .and_then(|k| self.words.get(k))
            .copied()
            .unwrap_or(0)
    }

    /// The non-zero part of the window and where it starts (`(0, [])` for the empty set).
    fn trimmed(&self) -> (usize, &[u64]) {
        let Some(first) = self.words.iter().position(|w| *w != 0) else {
            return (0, &[]);
        };
        let last = self.words.iter().rposition(|w| *w != 0).unwrap_or(first);
        (self.lo + first, &self.words[first..=last])
    }

    /// Widens the window to hold words `lo..hi`.
    fn grow(&mut self, lo: usize, hi: usize) {
        if lo >= hi {
            return;
        }
        if self.words.is_empty() {
            self.lo = lo;
            self.words = vec![0; hi - lo];
            return;
        }
        if lo < self.lo {
            let mut words = vec![0; self.lo - lo];
            words.extend_from_slice(&self.words);
            self.words = words;
            self.lo = lo;
        }
        if hi > self.hi() {
            self.words.resize(hi - self.lo, 0);
        }
    }

    /// The overlap of the two windows.
    fn overlap(&self, other: &PermissionSet) -> std::ops::Range<usize> {
        self.lo.max(other.lo)..self.hi().min(other.hi())
    }

    /// Adds one action.
    pub fn insert(&mut self, id: ActionId) {
        let i = id.0 as usize / 64;
        self.grow(i, i + 1);
        self.words[i - self.lo] |= 1 << (id.0 % 64);
    }

    /// True when the set holds `id`.
    pub fn contains(&self, id: ActionId) -> bool {
        self.word(id.0 as usize / 64) & (1 << (id.0 % 64)) != 0
    }

    /// Adds every action of `other`.
    pub fn union_with(&mut self, other: &PermissionSet) {
        let (lo, words) = other.trimmed();
        if words.is_empty() {
            return;
        }
        self.grow(lo, lo + words.len());
        let at = lo - self.lo;
        for (a, b) in self.words[at..at + words.len()].iter_mut().zip(words) {
            *a |= b;
        }
    }

    /// Keeps only actions also in `other`.
    pub fn intersect_with(&mut self, other: &PermissionSet) {
        let lo = self.lo;
        for (k, a) in self.words.iter_mut().enumerate() {
            *a &= other.word(lo + k);
        }
        self.shrink();
    }

    /// The actions in both sets, stored in just the words they need.
    pub fn intersection(&self, other: &PermissionSet) -> PermissionSet {
        let range = self.overlap(other);
        let mut out = PermissionSet {
            lo: range.start,
            words: range
                .map(|i| self.words[i - self.lo] & other.words[i - other.lo])
                .collect(),
        };
        out.shrink();
        out
    }

    /// Removes every action of `other`.
    pub fn subtract(&mut self, other: &PermissionSet) {
        for i in self.overlap(other) {
            self.words[i - self.lo] &= !other.words[i - other.lo];
        }
        self.shrink();
    }

    /// Drops zero words at both ends of the window.
    fn shrink(&mut self) {
        let (lo, len) = {
            let (lo, words) = self.trimmed();
            (lo, words.len())
        };
        if len == 0 {
            self.words.clear();
            self.lo = 0;
            return;
        }
        self.words.truncate(lo - self.lo + len);
        self.words.drain(..lo - self.lo);
        self.lo = lo;
    }

    /// Every action not in the set, over a catalog of `len` actions.
    pub fn complement(&self, len: usize) -> PermissionSet {
        let mut full = Self::full(len);
        full.subtract(self);
        full
    }

    /// True when the two sets share an action.
    pub fn intersects(&self, other: &PermissionSet) -> bool {
        self.overlap(other)
            .any(|i| self.words[i - self.lo] & other.words[i - other.lo] != 0)
    }

    /// True when every action of `other` is in the set.
    pub fn is_superset(&self, other: &PermissionSet) -> bool {
        other
            .words
            .iter()
            .enumerate()
            .all(|(k, b)| b & !self.word(other.lo + k) == 0)
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
        let lo = self.lo;
        self.words.iter().enumerate().flat_map(move |(k, &w)| {
            let base = ((lo + k) * 64) as u32;
            let mut w = w;
            std::iter::from_fn(move || {
                if w == 0 {
                    return None;
                }
                let bit = w.trailing_zeros();
                w &= w - 1;
                Some(ActionId(base + bit))
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

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        fn set(ids: &[u32], len: usize) -> PermissionSet {
            let mut s = PermissionSet::empty(len);
            for &i in ids {
                s.insert(ActionId(i % len as u32));
            }
            s
        }

        fn model(s: &PermissionSet) -> std::collections::BTreeSet<u32> {
            s.iter().map(|a| a.0).collect()
        }

        proptest! {
            /// The word ranges are only a shortcut: every operation agrees with a plain set.
            #[test]
            fn operations_agree_with_a_plain_set(
                a in prop::collection::vec(0u32..1000, 0..40),
                b in prop::collection::vec(0u32..1000, 0..40),
            ) {
                let len = 1000;
                let (sa, sb) = (set(&a, len), set(&b, len));
                let (ma, mb) = (model(&sa), model(&sb));
                prop_assert_eq!(sa.intersects(&sb), !ma.is_disjoint(&mb));
                prop_assert_eq!(sa.is_superset(&sb), ma.is_superset(&mb));
                let mut u = sa.clone();
                u.union_with(&sb);
                prop_assert_eq!(model(&u), ma.union(&mb).copied().collect());
                let mut i = sa.clone();
                i.intersect_with(&sb);
                prop_assert_eq!(model(&i), ma.intersection(&mb).copied().collect());
                prop_assert_eq!(&sa.intersection(&sb), &i);
                prop_assert_eq!(i.len(), ma.intersection(&mb).count());
                let mut d = sa.clone();
                d.subtract(&sb);
                prop_assert_eq!(model(&d), ma.difference(&mb).copied().collect());
                prop_assert_eq!(d.is_empty(), ma.difference(&mb).next().is_none());
                let c = sa.complement(len);
                prop_assert_eq!(c.len(), len - ma.len());
                prop_assert!(!c.intersects(&sa));
                // a grown set still agrees after operations shrink it
                let mut g = u.clone();
                g.subtract(&sa);
                g.union_with(&sa);
                prop_assert_eq!(model(&g), model(&u));
                // equal members mean equal sets, whatever window each one stores
                prop_assert_eq!(&g, &u);
                let mut empty_after = sa.clone();
                empty_after.subtract(&sa);
                prop_assert_eq!(empty_after, PermissionSet::empty(len));
                for x in a.iter().chain(&b) {
                    prop_assert_eq!(u.contains(ActionId(*x)), true);
                    prop_assert_eq!(d.contains(ActionId(*x)), !mb.contains(x));
                }
            }
        }
    }
}
