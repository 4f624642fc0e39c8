//! The demo's world: five patrons who each show one situation at the kiosk
//! (good standing, overdue, suspended, hold ready, quota reached), 43 books
//! of which 40 sit in lockers, and the loans and hold that make those
//! situations true. The simulated district starts from it, and the demo fills
//! its lockers from the same list, so the two always agree. The README
//! documents these cards, so change them only together with it.

use bookstation_district_api::{Item, ItemId, PatronId, SlotNo, Standing};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The kiosk the demo plays.
pub const DEMO_KIOSK_ID: &str = "MAPO-HAPJEONG-01";
/// Every demo patron's PIN.
pub const DEMO_PATRON_PIN: &str = "1234";
/// The demo hold's pickup code (H-0001, The Hobbit in locker 40).
pub const DEMO_PICKUP_CODE: &str = "246810";
/// The library the quota patron's other loans come from.
const OTHER_KIOSK_ID: &str = "MAPO-CENTRAL";

/// The name patrons and staff know a library by, from the id its copies
/// are lent under (the demo's other library is Mapo's central library).
pub fn library_name(kiosk_id: &str) -> String {
    if kiosk_id == OTHER_KIOSK_ID { "마포중앙도서관".to_owned() } else { kiosk_id.to_owned() }
}

/// What a simulated district starts with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimSeed {
    /// Everyone the district can authenticate.
    pub patrons: Vec<SeedPatron>,
    /// The catalogue of the kiosk the sim serves, and where each copy sits.
    pub items: Vec<SeedItem>,
    /// Loans already out when the world starts.
    pub loans: Vec<SeedLoan>,
    /// Holds already placed, all at the kiosk the sim serves.
    pub holds: Vec<SeedHold>,
}

impl SimSeed {
    /// The copies in lockers, for filling the demo kiosk.
    pub fn in_lockers(&self) -> impl Iterator<Item = (SlotNo, &Item)> {
        self.items.iter().filter_map(|s| s.slot.map(|slot| (slot, &s.item)))
    }
}

/// A patron as the district knows them. No name: the kiosk never shows one.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeedPatron {
    /// What events and answers carry instead of the card.
    pub patron_id: PatronId,
    /// Upper-case hex UID of their membership card.
    pub card_uid: String,
    /// Typed on the screen, or read from the mobile card's QR code.
    pub member_number: String,
    /// Checked when the kiosk sends one.
    pub pin: String,
    /// Suspended patrons may not borrow.
    pub standing: Standing,
    /// The suspension's last day (`YYYY-MM-DD`), when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspended_until: Option<String>,
    /// Overdue items the sim has no loan record for (another library's
    /// system, say), added to the ones it computes from its own loans.
    pub extra_overdue: u32,
}

/// Redacted: a UID, member number or PIN must never reach a log line.
impl fmt::Debug for SeedPatron {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SeedPatron")
            .field("standing", &self.standing)
            .field("extra_overdue", &self.extra_overdue)
            .finish_non_exhaustive()
    }
}

/// A copy that belongs to the kiosk the sim serves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeedItem {
    /// Bibliographic data; `hold_for` is `None` here, the sim derives it from holds.
    pub item: Item,
    /// Where it sits in the demo kiosk; `None` = on loan.
    pub slot: Option<SlotNo>,
}

/// A loan that is already out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeedLoan {
    /// The copy that is out.
    pub item_id: ItemId,
    /// Who has it.
    pub patron_id: PatronId,
    /// Where it was lent; `None` = the kiosk the sim serves, so a seed works
    /// for any kiosk id a test picks.
    pub kiosk_id: Option<String>,
    /// `YYYY-MM-DD`; overdue once the sim's `today` is past it.
    pub due_date: String,
    /// The title, for a copy of another library's (the catalogue names this kiosk's own).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub title: String,
}

/// A hold placed on one of the served kiosk's copies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeedHold {
    /// The district's id, which the `hold_pickup` event echoes.
    pub hold_id: String,
    /// The copy set aside.
    pub item_id: ItemId,
    /// Whose hold it is.
    pub patron_id: PatronId,
    /// The copy is in a locker waiting, as opposed to still on its way.
    pub ready: bool,
    /// The last day it waits before it goes back (`YYYY-MM-DD`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep_until: Option<String>,
    /// The code texted to the patron: it opens this hold's locker without the card.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pickup_code: Option<String>,
}

/// Titles, authors and shelf categories of MP0001.. in order, alternating
/// Korean and English so every stretch of lockers shows both.
const BOOKS: [(&str, &str, Category); 43] = [
    ("홍길동전", "허균", CLASSICS),
    ("The Little Prince", "Antoine de Saint-Exupéry", CHILDREN),
    ("채식주의자", "한강", FICTION),
    ("Pride and Prejudice", "Jane Austen", CLASSICS),
    ("토지", "박경리", FICTION),
    ("1984", "George Orwell", FICTION),
    ("소년이 온다", "한강", FICTION),
    ("The Great Gatsby", "F. Scott Fitzgerald", FICTION),
    ("82년생 김지영", "조남주", FICTION),
    ("Frankenstein", "Mary Shelley", CLASSICS),
    ("어린 왕자", "앙투안 드 생텍쥐페리", CHILDREN),
    ("Dracula", "Bram Stoker", CLASSICS),
    ("구운몽", "김만중", CLASSICS),
    ("Moby-Dick", "Herman Melville", CLASSICS),
    ("운수 좋은 날", "현진건", CLASSICS),
    ("Jane Eyre", "Charlotte Brontë", CLASSICS),
    ("메밀꽃 필 무렵", "이효석", CLASSICS),
    ("Little Women", "Louisa May Alcott", CLASSICS),
    ("무정", "이광수", CLASSICS),
    ("Alice's Adventures in Wonderland", "Lewis Carroll", CHILDREN),
    ("태백산맥", "조정래", FICTION),
    ("A Brief History of Time", "Stephen Hawking", SCIENCE),
    ("난장이가 쏘아올린 작은 공", "조세희", FICTION),
    ("On the Origin of Species", "Charles Darwin", SCIENCE),
    ("아몬드", "손원평", FICTION),
    ("Walden", "Henry David Thoreau", ESSAYS),
    ("불편한 편의점", "김호연", FICTION),
    ("The Diary of a Young Girl", "Anne Frank", HISTORY),
    ("달러구트 꿈 백화점", "이미예", FICTION),
    ("Treasure Island", "Robert Louis Stevenson", CHILDREN),
    ("파친코", "이민진", FICTION),
    ("Wuthering Heights", "Emily Brontë", CLASSICS),
    ("난중일기", "이순신", HISTORY),
    ("A Room of One's Own", "Virginia Woolf", ESSAYS),
    ("백범일지", "김구", HISTORY),
    ("Silent Spring", "Rachel Carson", SCIENCE),
    ("마당을 나온 암탉", "황선미", CHILDREN),
    ("The Adventures of Tom Sawyer", "Mark Twain", CHILDREN),
    ("코스모스", "칼 세이건", SCIENCE),
    ("The Hobbit", "J. R. R. Tolkien", FICTION),
    ("하늘과 바람과 별과 시", "윤동주", POETRY),
    ("Animal Farm", "George Orwell", FICTION),
    ("역사란 무엇인가", "E. H. 카", HISTORY),
];

/// A shelf category: Korean, English.
type Category = (&'static str, &'static str);
const FICTION: Category = ("소설", "Fiction");
const CLASSICS: Category = ("고전", "Classics");
const CHILDREN: Category = ("아동", "Children");
const ESSAYS: Category = ("에세이", "Essays");
const SCIENCE: Category = ("과학", "Science");
const HISTORY: Category = ("역사", "History");
const POETRY: Category = ("시", "Poetry");

/// The central library's copies the quota patron has out.
const OTHER_TITLES: [(&str, &str); 3] = [("MC1001", "코스모스"), ("MC1002", "Sapiens"), ("MC1003", "82년생 김지영")];

/// Books up to this number sit in the locker of the same number; the rest are on loan.
const LOCKERS: usize = LOCKERS_U16 as usize;
/// Only a few books have cover art, so the UI's placeholder art gets shown too.
const WITH_COVER: usize = 4;

/// The demo world described in the README.
pub fn demo() -> SimSeed {
    let items = BOOKS
        .iter()
        .enumerate()
        .map(|(i, (title, author, category))| {
            let n = i + 1;
            let id = format!("MP{n:04}");
            SeedItem {
                slot: (n <= LOCKERS).then(|| SlotNo(u16::try_from(n).unwrap_or(u16::MAX))),
                item: Item {
                    cover_url: (n <= WITH_COVER).then(|| format!("covers/{id}.png")),
                    id: ItemId(id),
                    title: (*title).to_owned(),
                    author: (*author).to_owned(),
                    category: category.0.to_owned(),
                    category_en: Some(category.1.to_owned()),
                    hold_for: None,
                },
            }
        })
        .collect();

    let patron = |n: u32, standing| SeedPatron {
        patron_id: PatronId(format!("100000{n}")),
        card_uid: if n == 1 { "04A1B2C3D4E5F6".to_owned() } else { format!("0400000000000{n}") },
        member_number: format!("100000{n}"),
        pin: DEMO_PATRON_PIN.to_owned(),
        standing,
        // The demo's suspended patron (3) is suspended for a fixed time.
        suspended_until: (standing == Standing::Suspended).then(|| "2026-12-20".to_owned()),
        extra_overdue: 0,
    };
    let loan = |item: &str, patron: &str, kiosk: Option<&str>, due: &str| SeedLoan {
        item_id: ItemId::new(item),
        patron_id: PatronId::new(patron),
        kiosk_id: kiosk.map(str::to_owned),
        due_date: due.to_owned(),
        title: OTHER_TITLES.iter().find(|(id, _)| *id == item).map(|(_, t)| (*t).to_owned()).unwrap_or_default(),
    };

    SimSeed {
        patrons: vec![
            patron(1, Standing::Good),
            patron(2, Standing::Good),
            patron(3, Standing::Suspended),
            patron(4, Standing::Good),
            patron(5, Standing::Good),
        ],
        items,
        loans: vec![
            // Overdue against the sim's default today, 2026-11-29.
            loan("MP0041", "1000002", None, "2026-11-01"),
            // With the three from the central library, the district quota of 5.
            loan("MP0042", "1000005", None, "2026-12-10"),
            loan("MP0043", "1000005", None, "2026-12-10"),
            loan("MC1001", "1000005", Some(OTHER_KIOSK_ID), "2026-12-03"),
            loan("MC1002", "1000005", Some(OTHER_KIOSK_ID), "2026-12-08"),
            loan("MC1003", "1000005", Some(OTHER_KIOSK_ID), "2026-12-15"),
        ],
        holds: vec![SeedHold {
            hold_id: "H-0001".to_owned(),
            item_id: ItemId::new("MP0040"),
            patron_id: PatronId::new("1000004"),
            ready: true,
            keep_until: Some("2026-12-05".to_owned()),
            pickup_code: Some(DEMO_PICKUP_CODE.to_owned()),
        }],
    }
}

/// The demo world at the size of a real cabinet: [`demo`]'s 43 books and
/// situations, then a generated book in every locker from 41 to `lockers`
/// (`MP0044`, `MP0045`, …), Korean and English in turn, with plausible
/// titles, authors and the demo's shelf categories. Deterministic: the same
/// size always gives the same books. `lockers` up to 40 is [`demo`] itself.
pub fn demo_sized(lockers: u16) -> SimSeed {
    let mut seed = demo();
    let first_id = seed.items.len() + 1;
    for (k, slot) in (usize::from(LOCKERS_U16) + 1..=usize::from(lockers)).enumerate() {
        let (title, author) = generated_book(k);
        let id = format!("MP{:04}", first_id + k);
        seed.items.push(SeedItem {
            slot: Some(SlotNo(u16::try_from(slot).unwrap_or(u16::MAX))),
            item: Item {
                cover_url: None,
                id: ItemId(id),
                title,
                author,
                category: CATEGORIES[k % CATEGORIES.len()].0.to_owned(),
                category_en: Some(CATEGORIES[k % CATEGORIES.len()].1.to_owned()),
                hold_for: None,
            },
        });
    }
    seed
}

const LOCKERS_U16: u16 = 40;
const CATEGORIES: [Category; 7] = [FICTION, CLASSICS, CHILDREN, ESSAYS, SCIENCE, HISTORY, POETRY];
const KO_ADJ: [&str; 16] = [
    "푸른",
    "작은",
    "오래된",
    "조용한",
    "따뜻한",
    "붉은",
    "먼",
    "깊은",
    "하얀",
    "새로운",
    "잃어버린",
    "빛나는",
    "겨울",
    "마지막",
    "낯선",
    "우리",
];
const KO_NOUN: [&str; 16] = [
    "바다", "숲", "정원", "도시", "별", "강", "섬", "기억", "계절", "편지", "골목", "여름", "등대", "서점", "기차",
    "마을",
];
const KO_FORM: [&str; 4] = ["{a} {n}", "{a} {n}의 노래", "{a} {n}에서 온 편지", "{n} 너머 {a} 시간"];
const KO_SURNAME: [&str; 10] = ["김", "이", "박", "최", "정", "강", "조", "윤", "장", "임"];
const KO_GIVEN: [&str; 12] =
    ["민준", "서연", "지훈", "하은", "도윤", "수아", "현우", "지민", "예준", "채원", "건우", "유진"];
const EN_ADJ: [&str; 16] = [
    "Silent",
    "Hidden",
    "Last",
    "Winter",
    "Golden",
    "Distant",
    "Broken",
    "Quiet",
    "Northern",
    "Secret",
    "Little",
    "Burning",
    "Paper",
    "Midnight",
    "Wandering",
    "Glass",
];
const EN_NOUN: [&str; 16] = [
    "River",
    "Garden",
    "Lighthouse",
    "Orchard",
    "Harbour",
    "Mountain",
    "Library",
    "Station",
    "Island",
    "Forest",
    "Letter",
    "Summer",
    "Bridge",
    "Kingdom",
    "Map",
    "Clock",
];
const EN_FORM: [&str; 4] = ["The {a} {n}", "A {a} {n}", "The {n} of {a} Days", "{a} {n}: A Novel"];
const EN_FIRST: [&str; 12] =
    ["Emma", "James", "Olivia", "Daniel", "Grace", "Henry", "Alice", "Thomas", "Clara", "Samuel", "Ruth", "Oliver"];
const EN_LAST: [&str; 12] =
    ["Walker", "Hughes", "Bennett", "Carter", "Foster", "Hayes", "Morgan", "Reed", "Sutton", "Lane", "Price", "Wells"];

/// The `k`th generated book (from 0): Korean when `k` is even. Within a
/// language the first 1,024 titles are all different.
fn generated_book(k: usize) -> (String, String) {
    let j = k / 2;
    let (adj, noun, form) = (j % 16, (j / 16 + j) % 16, (j / 256) % 4);
    let fill = |form: &str, a: &str, n: &str| form.replace("{a}", a).replace("{n}", n);
    if k.is_multiple_of(2) {
        let title = fill(KO_FORM[form], KO_ADJ[adj], KO_NOUN[noun]);
        (title, format!("{}{}", KO_SURNAME[j % 10], KO_GIVEN[(j / 10 + j) % 12]))
    } else {
        let title = fill(EN_FORM[form], EN_ADJ[adj], EN_NOUN[noun]);
        (title, format!("{} {}", EN_FIRST[j % 12], EN_LAST[(j / 12 + j * 5) % 12]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SimDistrict;
    use bookstation_district_api::{AuthAnswer, Credential, Hold, PatronStatus};
    use std::collections::HashSet;

    async fn status(credential: Credential) -> PatronStatus {
        let sim = SimDistrict::demo(DEMO_KIOSK_ID);
        match sim.authenticate(&credential, Some(DEMO_PATRON_PIN)).await {
            Ok(AuthAnswer::Patron { status, .. }) => status,
            other => panic!("expected a patron, got {other:?}"),
        }
    }

    fn card(uid: &str) -> Credential {
        Credential::card(uid).expect("a hex uid")
    }

    #[test]
    fn items_are_unique_and_fill_lockers_1_to_40_once() {
        let seed = demo();
        assert_eq!(seed.items.len(), 43);
        let ids: HashSet<_> = seed.items.iter().map(|s| s.item.id.clone()).collect();
        assert_eq!(ids.len(), 43);
        let mut slots: Vec<u16> = seed.in_lockers().map(|(slot, _)| slot.0).collect();
        slots.sort_unstable();
        assert_eq!(slots, (1..=40).collect::<Vec<_>>());
        assert!(seed.items.iter().all(|s| s.item.hold_for.is_none()));
        let on_loan: Vec<_> = seed.items.iter().filter(|s| s.slot.is_none()).map(|s| s.item.id.as_str()).collect();
        assert_eq!(on_loan, ["MP0041", "MP0042", "MP0043"]);
        assert_eq!(seed.items[39].item.id.as_str(), "MP0040");
        assert_eq!(seed.items[39].slot, Some(SlotNo(40)));
    }

    #[test]
    fn a_sized_demo_fills_every_locker_once_with_distinct_books_in_both_languages() {
        for lockers in [40u16, 500, 1000] {
            let seed = demo_sized(lockers);
            assert_eq!(seed.items[..43], demo().items[..], "the demo's books come first, unchanged");
            let mut slots: Vec<u16> = seed.in_lockers().map(|(slot, _)| slot.0).collect();
            slots.sort_unstable();
            assert_eq!(slots, (1..=lockers).collect::<Vec<_>>());
            let ids: HashSet<_> = seed.items.iter().map(|s| s.item.id.clone()).collect();
            assert_eq!(ids.len(), seed.items.len());
            let generated = &seed.items[43..];
            let titles: HashSet<_> = generated.iter().map(|s| s.item.title.as_str()).collect();
            assert_eq!(titles.len(), generated.len(), "no title twice at {lockers} lockers");
            let korean = generated.iter().filter(|s| s.item.title.chars().any(|c| ('가'..='힣').contains(&c))).count();
            assert_eq!(korean, generated.len().div_ceil(2));
        }
        assert_eq!(demo_sized(500).items[43].item.id.as_str(), "MP0044");
        assert_eq!(demo_sized(500).items[43].slot, Some(SlotNo(41)));
    }

    #[tokio::test]
    async fn good_standing_patron_has_no_loans() {
        let s = status(card("04A1B2C3D4E5F6")).await;
        assert_eq!(s.patron_id, PatronId::new("1000001"));
        assert_eq!((s.standing, s.overdue_items, s.loans_total, s.loans_here), (Standing::Good, 0, 0, 0));
        assert!(s.ready_holds.is_empty());
    }

    #[tokio::test]
    async fn overdue_patron_has_one_overdue_item() {
        let s = status(card("04000000000002")).await;
        assert_eq!((s.overdue_items, s.loans_total, s.loans_here), (1, 1, 1));
    }

    #[tokio::test]
    async fn suspended_patron_is_suspended() {
        assert_eq!(status(card("04000000000003")).await.standing, Standing::Suspended);
    }

    #[tokio::test]
    async fn hold_patron_has_h0001_ready() {
        let s = status(card("04000000000004")).await;
        assert_eq!(
            s.ready_holds,
            vec![Hold {
                hold_id: "H-0001".into(),
                item_id: ItemId::new("MP0040"),
                keep_until: Some("2026-12-05".into())
            }]
        );
        let inventory = SimDistrict::demo(DEMO_KIOSK_ID).inventory().await.unwrap();
        let mp0040 = inventory.items.iter().find(|i| i.id.as_str() == "MP0040").unwrap();
        assert_eq!(mp0040.hold_for, Some(PatronId::new("1000004")));
        assert_eq!(inventory.items.len(), 43);
        assert_eq!(inventory.holds.len(), 1);
    }

    #[tokio::test]
    async fn quota_patron_has_five_loans_two_here() {
        let s = status(card("04000000000005")).await;
        assert_eq!((s.overdue_items, s.loans_total, s.loans_here), (0, 5, 2));
    }

    #[tokio::test]
    async fn a_member_number_works_like_the_card() {
        let credential = Credential::member_number("1000001").unwrap();
        assert_eq!(status(credential).await.patron_id, PatronId::new("1000001"));
    }

    #[tokio::test]
    async fn without_a_pin_the_pin_is_not_checked() {
        let sim = SimDistrict::demo(DEMO_KIOSK_ID);
        let answer = sim.authenticate(&card("04A1B2C3D4E5F6"), None).await.unwrap();
        assert!(matches!(answer, AuthAnswer::Patron { .. }));
    }

    #[tokio::test]
    async fn wrong_pin_and_unknown_card_are_answers() {
        let sim = SimDistrict::demo(DEMO_KIOSK_ID);
        assert_eq!(
            sim.authenticate(&card("04A1B2C3D4E5F6"), Some("9999")).await.unwrap(),
            AuthAnswer::WrongPin { patron_id: Some(PatronId::new("1000001")) }
        );
        assert_eq!(sim.authenticate(&card("DEADBEEF"), Some("1234")).await.unwrap(), AuthAnswer::UnknownCredential);
    }
}
