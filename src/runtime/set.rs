//! set and frozenset storage: a slot-for-slot model of CPython 3.11's hash table
//! (`Objects/setobject.c`), kept up to date on every insert and delete, so that iteration
//! order, `repr` and `pop()` follow CPython's, history included: a deleted element leaves a
//! dummy slot that counts toward the resize threshold and that later insertions may reuse.
//!
//! Lookups are CPython's own probe sequence over the table, comparing hashes first and keys
//! with builtin equality (keys whose class defines `__eq__` are made canonical by the
//! interpreter before they reach the table). The set algebra built on these primitives, with
//! CPython's choice of which operand to copy or iterate, is in `set_methods.rs`.
//!
//! Objects hashed by identity hash by their address in CPython, an order aio cannot reproduce;
//! while a set holds one, it iterates (and pops) in insertion order instead.

use super::dict::{hashed_by_value, DictKey};
use super::value::Value;

/// The size of an empty set's table (`PySet_MINSIZE`).
const MIN_SIZE: usize = 8;
/// Consecutive slots probed before jumping (`LINEAR_PROBES`).
const LINEAR_PROBES: usize = 9;
/// How fast the unused hash bits enter the jumps (`PERTURB_SHIFT`).
const PERTURB_SHIFT: u32 = 5;

/// An element in its slot, with the order it was inserted in (for sets iterated in insertion
/// order; copied along when CPython copies the slot).
#[derive(Clone, Debug)]
struct Entry {
    key: DictKey,
    seq: u64,
}

/// One slot of the table.
#[derive(Clone, Debug, Default)]
enum Slot {
    /// Never used since the table was built: ends a probe sequence.
    #[default]
    Empty,
    /// Held an element that was removed: probes go past it.
    Dummy,
    /// Holds an element.
    Full(Entry),
}

/// The storage of a set or frozenset: CPython's table with its `fill`, `used` and `finger`.
#[derive(Debug)]
pub struct Set {
    /// `mask + 1` slots, a power of two, at least 8.
    table: Vec<Slot>,
    /// Full and dummy slots.
    fill: usize,
    /// Full slots: the set's length.
    used: usize,
    /// Where the next `pop()` starts looking.
    finger: usize,
    /// How many elements are hashed by identity.
    by_identity: usize,
    /// The insertion number the next new element gets.
    next_seq: u64,
}

impl Default for Set {
    fn default() -> Set {
        Set::new()
    }
}

/// Where an element whose hash is `hash` may be, in CPython's probe order: runs of up to
/// `LINEAR_PROBES + 1` consecutive slots, each run starting where `i = i*5 + 1 + perturb`
/// leads. Endless: callers stop at an empty slot (there is always one).
fn probe(hash: i64, mask: usize) -> impl Iterator<Item = usize> {
    let mut perturb = hash as u64 as usize;
    let mut start = perturb & mask;
    let mut run = start..=run_end(start, mask);
    std::iter::from_fn(move || loop {
        if let Some(j) = run.next() {
            return Some(j);
        }
        perturb >>= PERTURB_SHIFT;
        start = start.wrapping_mul(5).wrapping_add(1).wrapping_add(perturb) & mask;
        run = start..=run_end(start, mask);
    })
}

/// The last slot of the run starting at `i`: linear probing only where it stays in the table.
fn run_end(i: usize, mask: usize) -> usize {
    if i + LINEAR_PROBES <= mask {
        i + LINEAR_PROBES
    } else {
        i
    }
}

/// Whether an element's place in CPython's table depends on its address.
fn is_identity_hashed(k: &DictKey) -> bool {
    !hashed_by_value(&k.0)
}

/// A position in a set's iteration, for iterators that let go of the set between steps
/// (CPython's `si_pos`).
#[derive(Clone, Debug)]
pub struct Cursor {
    pos: usize,
    /// The slots in insertion order, for a set iterated that way.
    order: Option<Box<[usize]>>,
}

impl Set {
    /// An empty set.
    pub fn new() -> Set {
        Set {
            table: vec![Slot::Empty; MIN_SIZE],
            fill: 0,
            used: 0,
            finger: 0,
            by_identity: 0,
            next_seq: 0,
        }
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.used
    }

    /// Whether it is empty.
    pub fn is_empty(&self) -> bool {
        self.used == 0
    }

    fn mask(&self) -> usize {
        self.table.len() - 1
    }

    /// The slot holding an element equal to `k` (`set_lookkey`).
    fn find(&self, k: &DictKey) -> Option<usize> {
        for i in probe(k.1, self.mask()) {
            match &self.table[i] {
                Slot::Empty => return None,
                Slot::Full(e) if e.key.1 == k.1 && e.key == *k => return Some(i),
                _ => {}
            }
        }
        None
    }

    /// Whether an element equal to `k` is in the set.
    pub fn contains(&self, k: &DictKey) -> bool {
        self.find(k).is_some()
    }

    /// The elements stored with the same hash as `k`, in probe order (the candidates a user
    /// `__eq__` must check).
    pub fn same_hash(&self, k: &DictKey) -> Vec<Value> {
        let mut out = Vec::new();
        for i in probe(k.1, self.mask()) {
            match &self.table[i] {
                Slot::Empty => break,
                Slot::Full(e) if e.key.1 == k.1 => out.push(e.key.0.clone()),
                _ => {}
            }
        }
        out
    }

    fn new_entry(&mut self, key: DictKey) -> Entry {
        if is_identity_hashed(&key) {
            self.by_identity += 1;
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        Entry { key, seq }
    }

    /// Adds `k` unless an equal element is there (`set_add_entry`): into the last dummy slot
    /// passed on the way to an empty one, else into that empty slot, growing the table when
    /// it is 60 % full. Whether it was added.
    pub fn add(&mut self, k: DictKey) -> bool {
        let mut freeslot = None;
        let mut empty = 0;
        for i in probe(k.1, self.mask()) {
            match &self.table[i] {
                Slot::Empty => {
                    empty = i;
                    break;
                }
                Slot::Dummy => freeslot = Some(i),
                Slot::Full(e) if e.key.1 == k.1 && e.key == k => return false,
                Slot::Full(_) => {}
            }
        }
        let entry = self.new_entry(k);
        self.used += 1;
        if let Some(i) = freeslot {
            self.table[i] = Slot::Full(entry);
            return true;
        }
        self.table[empty] = Slot::Full(entry);
        self.fill += 1;
        if self.fill * 5 >= self.mask() * 3 {
            self.grow();
        }
        true
    }

    /// Resizes for the current number of elements (CPython's growth rule).
    fn grow(&mut self) {
        let n = self.used;
        self.resize(if n > 50000 { n * 2 } else { n * 4 });
    }

    /// Rebuilds the table with more than `minused` slots, dropping the dummies; the elements
    /// go in in their old slot order (`set_table_resize`).
    fn resize(&mut self, minused: usize) {
        let mut size = MIN_SIZE;
        while size <= minused {
            size <<= 1;
        }
        if size == MIN_SIZE && self.table.len() == MIN_SIZE && self.fill == self.used {
            return;
        }
        let old = std::mem::replace(&mut self.table, vec![Slot::Empty; size]);
        self.fill = self.used;
        for slot in old {
            if let Slot::Full(e) = slot {
                self.insert_clean(e);
            }
        }
    }

    /// Puts an element known to be absent into the first empty slot of its probe sequence
    /// (`set_insert_clean`); the caller keeps `fill` and `used`.
    fn insert_clean(&mut self, e: Entry) {
        let mask = self.mask();
        for i in probe(e.key.1, mask) {
            if let Slot::Empty = self.table[i] {
                self.table[i] = Slot::Full(e);
                return;
            }
        }
    }

    /// Removes the element equal to `k`, leaving a dummy (`set_discard_entry`).
    pub fn discard(&mut self, k: &DictKey) -> Option<DictKey> {
        let i = self.find(k)?;
        self.take_slot(i)
    }

    fn take_slot(&mut self, i: usize) -> Option<DictKey> {
        match std::mem::replace(&mut self.table[i], Slot::Dummy) {
            Slot::Full(e) => {
                self.used -= 1;
                if is_identity_hashed(&e.key) {
                    self.by_identity -= 1;
                }
                Some(e.key)
            }
            other => {
                self.table[i] = other;
                None
            }
        }
    }

    /// Removes and returns an element (`set_pop`): the first full slot from the finger on,
    /// wrapping around; the finger moves past it. A set in insertion order pops its oldest.
    pub fn pop(&mut self) -> Option<DictKey> {
        if self.used == 0 {
            return None;
        }
        let i = match self.insertion_order() {
            Some(order) => order[0],
            None => {
                let mask = self.mask();
                let mut i = self.finger & mask;
                while !matches!(self.table[i], Slot::Full(_)) {
                    i = (i + 1) & mask;
                }
                self.finger = i + 1;
                i
            }
        };
        self.take_slot(i)
    }

    /// Empties the set back to the smallest table (`set_clear_internal`); the elements are
    /// returned for the caller to drop.
    pub fn clear(&mut self) -> Vec<Value> {
        let old = std::mem::replace(&mut self.table, vec![Slot::Empty; MIN_SIZE]);
        self.fill = 0;
        self.used = 0;
        self.by_identity = 0;
        old.into_iter()
            .filter_map(|s| match s {
                Slot::Full(e) => Some(e.key.0),
                _ => None,
            })
            .collect()
    }

    /// Resizes first when `incoming` new elements would pass the threshold, as CPython's
    /// `set_merge` and dict update do ("one big resize at the start").
    pub fn presize(&mut self, incoming: usize) {
        if (self.fill + incoming) * 5 >= self.mask() * 3 {
            self.resize((self.used + incoming) * 2);
        }
    }

    /// `set_merge`'s fast paths into a set with no full or dummy slots: the slots copied as
    /// they are when the tables have the same size and `other` has no dummies, else each
    /// element put into the first empty slot of its probe sequence, in `other`'s slot order.
    /// False (nothing done) when this set has had elements since its table was built.
    pub fn merge_into_empty(&mut self, other: &Set) -> bool {
        if self.fill != 0 {
            return false;
        }
        if self.table.len() == other.table.len() && other.fill == other.used {
            self.table.clone_from(&other.table);
            self.fill = other.fill;
        } else {
            for slot in &other.table {
                if let Slot::Full(e) = slot {
                    self.insert_clean(e.clone());
                }
            }
            self.fill = other.used;
        }
        self.used = other.used;
        self.by_identity = other.by_identity;
        self.next_seq = self.next_seq.max(other.next_seq);
        true
    }

    /// A new set with the same elements, as CPython's `set.copy()` builds it (a merge into an
    /// empty set, which may give a different table size and so a different order).
    pub fn copy(&self) -> Set {
        let mut s = Set::new();
        s.presize(self.used);
        s.merge_into_empty(self);
        s
    }

    /// Drops dummies once they are more than a quarter of the table, as CPython's
    /// `difference_update` does after removing.
    pub fn purge_dummies(&mut self) {
        if self.fill - self.used > self.mask() / 4 {
            self.grow();
        }
    }

    /// Takes `other`'s table in place of this one, keeping this set's finger
    /// (`set_swap_bodies`, for the in-place operations built from a new set).
    pub fn take_body(&mut self, other: &mut Set) {
        std::mem::swap(&mut self.table, &mut other.table);
        std::mem::swap(&mut self.fill, &mut other.fill);
        std::mem::swap(&mut self.used, &mut other.used);
        std::mem::swap(&mut self.by_identity, &mut other.by_identity);
        std::mem::swap(&mut self.next_seq, &mut other.next_seq);
    }

    /// The full slots in insertion order, when the set holds an element hashed by identity.
    fn insertion_order(&self) -> Option<Box<[usize]>> {
        if self.by_identity == 0 {
            return None;
        }
        let mut full: Vec<(u64, usize)> = self
            .table
            .iter()
            .enumerate()
            .filter_map(|(i, s)| match s {
                Slot::Full(e) => Some((e.seq, i)),
                _ => None,
            })
            .collect();
        full.sort_unstable();
        Some(full.into_iter().map(|(_, i)| i).collect())
    }

    /// The start of an iteration.
    pub fn cursor(&self) -> Cursor {
        Cursor {
            pos: 0,
            order: self.insertion_order(),
        }
    }

    /// The element at `c`, moving `c` past it (`setiter_iternext`: the next full slot).
    pub fn next_key(&self, c: &mut Cursor) -> Option<&DictKey> {
        match &c.order {
            Some(order) => {
                while let Some(&i) = order.get(c.pos) {
                    c.pos += 1;
                    if let Some(Slot::Full(e)) = self.table.get(i) {
                        return Some(&e.key);
                    }
                }
                None
            }
            None => {
                while let Some(slot) = self.table.get(c.pos) {
                    c.pos += 1;
                    if let Slot::Full(e) = slot {
                        return Some(&e.key);
                    }
                }
                None
            }
        }
    }

    /// The elements in iteration order.
    pub fn iter(&self) -> impl Iterator<Item = &DictKey> {
        let mut c = self.cursor();
        std::iter::from_fn(move || self.next_key(&mut c))
    }

    /// The elements in iteration order, as owned keys (to work on while the set may change).
    pub fn keys(&self) -> Vec<DictKey> {
        self.iter().cloned().collect()
    }

    /// CPython's `frozenset_hash`: the shuffled element hashes combined by xor, so the order
    /// of the elements does not matter (the table-layout terms of CPython's version cancel).
    pub fn frozenset_hash(&self) -> i64 {
        let shuffle = |h: u64| ((h ^ 89869747) ^ (h << 16)).wrapping_mul(3644798167);
        let mut h: u64 = 0;
        for k in self.iter() {
            h ^= shuffle(k.1 as u64);
        }
        h ^= (self.used as u64 + 1).wrapping_mul(1927868237);
        h ^= (h >> 11) ^ (h >> 25);
        h = h.wrapping_mul(69069).wrapping_add(907133923);
        if h == u64::MAX {
            590923713
        } else {
            h as i64
        }
    }
}

impl Drop for Set {
    fn drop(&mut self) {
        if self.used > 0 {
            let table = std::mem::take(&mut self.table);
            super::drop::release(table.into_iter().filter_map(|s| match s {
                Slot::Full(e) => Some(e.key.0),
                _ => None,
            }));
        }
    }
}
