//! The Kerong CU and Modbus RTU drivers against the board simulators, through
//! real pseudo-terminals: open, status, chained boards, every fault, and an
//! unplugged adapter followed by recovery.

use std::sync::Arc;
use std::time::Duration;

use bookstation_hardware::drivers::{
    BoardUnit, Cabinet, KerongCu, KerongPolarity, LinkSettings, ModbusBoard, ModbusLayout, Mount, SerialLink,
};
use bookstation_hardware::sim::pty::{Fault, KerongSim, KerongSimBoard, MemPanel, ModbusSim, ModbusSimUnit, PtySim};
use bookstation_hardware::{ErrorKind, LockerBoard, SlotStatus};

/// Short timeouts and backoffs so faults cost milliseconds, not seconds.
fn settings(path: &std::path::Path) -> LinkSettings {
    LinkSettings {
        timeout: Duration::from_millis(60),
        retries: 1,
        reopen_min: Duration::from_millis(5),
        reopen_max: Duration::from_millis(20),
        ..LinkSettings::new(path)
    }
}

struct KerongRig {
    _dir: tempfile::TempDir,
    sim: PtySim,
    panel: Arc<MemPanel>,
    cabinet: Cabinet,
}

/// Two chained Kerong boards on one bus: address 0 drives slots 1-16,
/// address 3 drives slots 17-20 (slot 20 is the return bin).
fn kerong_rig() -> KerongRig {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("locker0");
    let panel = Arc::new(MemPanel::new(1, 20));
    let boards = vec![
        KerongSimBoard { address: 0, first_slot: 1, channels: 16 },
        KerongSimBoard { address: 3, first_slot: 17, channels: 4 },
    ];
    let sim = PtySim::start(&link, KerongSim::new(boards), panel.clone()).unwrap();
    let bus = SerialLink::new(settings(&link));
    let p = KerongPolarity::default();
    let mounts = vec![
        Mount { unit: Box::new(KerongCu::new(bus.clone(), 0, 16, p).unwrap()), first_slot: 1 },
        Mount { unit: Box::new(KerongCu::new(bus, 3, 4, p).unwrap()), first_slot: 17 },
    ];
    let cabinet = Cabinet::new(mounts, Some(20)).unwrap();
    KerongRig { _dir: dir, sim, panel, cabinet }
}

fn st(slot: u16, door_open: bool, item_present: bool) -> SlotStatus {
    SlotStatus { slot, door_open, item_present, drop_count: 0 }
}

#[tokio::test]
async fn kerong_opens_and_reads_chained_boards() {
    let r = kerong_rig();
    assert_eq!(r.cabinet.slots(), (1..=20).collect::<Vec<_>>());
    r.panel.set_item(2, true);
    r.panel.set_item(18, true);
    let all = r.cabinet.read_all().await.unwrap();
    assert_eq!(all.len(), 20);
    assert_eq!(all[1], st(2, false, true));
    assert_eq!(all[17], st(18, false, true));
    assert_eq!(all[0], st(1, false, false));

    r.cabinet.open(18).await.unwrap();
    assert!(r.panel.door_open(18));
    assert!(!r.panel.door_open(2), "only the asked door opens");
    r.cabinet.open(2).await.unwrap();
    let all = r.cabinet.read_all().await.unwrap();
    assert_eq!(all[1], st(2, true, true));
    assert_eq!(all[17], st(18, true, true));
    r.panel.close(2);
    assert_eq!(r.cabinet.read_all().await.unwrap()[1], st(2, false, true));
    assert_eq!(r.cabinet.open(21).await.unwrap_err().kind(), ErrorKind::InvalidSlot);
}

#[tokio::test]
async fn kerong_jammed_door_is_reported() {
    let r = kerong_rig();
    r.panel.jam(5, true);
    let e = r.cabinet.open(5).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Jammed, "{e}");
    assert!(e.to_string().contains("channel 5"), "{e}");
    r.panel.jam(5, false);
    r.cabinet.open(5).await.unwrap();
}

#[tokio::test]
async fn kerong_faults_fail_cleanly_and_recover() {
    let r = kerong_rig();
    for fault in [Fault::NoAnswer, Fault::BadChecksum, Fault::PartialFrame] {
        r.sim.set_fault(fault, None);
        let e = r.cabinet.open(1).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotResponding, "{fault:?}: {e}");
        let e = r.cabinet.read_all().await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotResponding, "{fault:?}: {e}");
        r.sim.clear_fault();
        assert_eq!(r.cabinet.read_all().await.unwrap().len(), 20, "{fault:?}: answers again");
    }
    // A single bad answer is retried; garbage before an answer is skipped.
    r.sim.set_fault(Fault::BadChecksum, Some(1));
    r.cabinet.open(3).await.unwrap();
    r.sim.set_fault(Fault::Garbage, None);
    r.cabinet.open(4).await.unwrap();
    assert_eq!(r.cabinet.read_all().await.unwrap()[3], st(4, true, false));
}

#[tokio::test]
async fn kerong_a_dead_board_leaves_the_other_readable() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("locker0");
    let panel = Arc::new(MemPanel::new(1, 8));
    // Only address 0 exists on the bus; address 1 is configured but silent.
    let sim =
        PtySim::start(&link, KerongSim::new(vec![KerongSimBoard { address: 0, first_slot: 1, channels: 4 }]), panel)
            .unwrap();
    let bus = SerialLink::new(settings(&link));
    let p = KerongPolarity::default();
    let cabinet = Cabinet::new(
        vec![
            Mount { unit: Box::new(KerongCu::new(bus.clone(), 0, 4, p).unwrap()), first_slot: 1 },
            Mount { unit: Box::new(KerongCu::new(bus, 1, 4, p).unwrap()), first_slot: 5 },
        ],
        None,
    )
    .unwrap();
    assert!(cabinet.silent_boards().is_empty(), "none before the first read");
    let read = cabinet.read_all().await.unwrap();
    assert_eq!(read.iter().map(|s| s.slot).collect::<Vec<_>>(), vec![1, 2, 3, 4]);
    let silent = cabinet.silent_boards();
    assert_eq!(silent.len(), 1, "{silent:?}");
    assert!(silent[0].starts_with("Kerong CU board 1 "), "names the silent board (address 1): {silent:?}");
    assert_eq!(cabinet.open(6).await.unwrap_err().kind(), ErrorKind::NotResponding);
    drop(sim);
}

#[tokio::test]
async fn kerong_unplug_then_recovery() {
    let r = kerong_rig();
    r.cabinet.read_all().await.unwrap();
    r.sim.unplug();
    let e = r.cabinet.open(1).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotResponding, "{e}");
    // While it is out, requests fail at once (no wait for timeouts).
    for _ in 0..3 {
        assert_eq!(r.cabinet.read_all().await.unwrap_err().kind(), ErrorKind::NotResponding);
    }
    r.sim.replug();
    // The link reopens after its backoff (at most 20 ms here): bounded tries.
    let mut recovered = false;
    for _ in 0..200 {
        if r.cabinet.read_all().await.is_ok() {
            recovered = true;
            break;
        }
        tokio::task::yield_now().await;
    }
    assert!(recovered, "the driver reopened the port after replug");
    r.cabinet.open(1).await.unwrap();
    assert!(r.panel.door_open(1));
}

#[tokio::test]
async fn kerong_polarity_is_configurable() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("locker0");
    let panel = Arc::new(MemPanel::new(1, 2));
    panel.set_item(1, true);
    let _sim =
        PtySim::start(&link, KerongSim::new(vec![KerongSimBoard { address: 0, first_slot: 1, channels: 2 }]), panel)
            .unwrap();
    // This board revision reads the bits the other way round.
    let inverted = KerongPolarity { locked_bit: false, item_bit: false };
    let board = KerongCu::new(SerialLink::new(settings(&link)), 0, 2, inverted).unwrap();
    let states = board.read().await.unwrap();
    assert!(states[0].door_open && !states[0].item_present);
    assert!(states[1].door_open && states[1].item_present);
}

struct ModbusRig {
    _dir: tempfile::TempDir,
    sim: PtySim,
    panel: Arc<MemPanel>,
    cabinet: Cabinet,
}

/// Units 1 (8 channels, slots 1-8) and 2 (4 channels, slots 9-12, with
/// inputs at other addresses and a normally-closed door switch) on one bus.
fn modbus_rig() -> ModbusRig {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("locker1");
    let panel = Arc::new(MemPanel::new(1, 12));
    let l1 = ModbusLayout { pulse: Duration::ZERO, ..ModbusLayout::standard(8) };
    let l2 = ModbusLayout {
        coil_base: 16,
        door_input_base: 32,
        item_input_base: 48,
        door_open_when: false,
        item_present_when: true,
        pulse: Duration::from_millis(1),
    };
    let units = vec![
        ModbusSimUnit { unit: 1, first_slot: 1, channels: 8, layout: l1 },
        ModbusSimUnit { unit: 2, first_slot: 9, channels: 4, layout: l2 },
    ];
    let sim = PtySim::start(&link, ModbusSim::new(units), panel.clone()).unwrap();
    let bus = SerialLink::new(LinkSettings { baud: 9600, ..settings(&link) });
    let mounts = vec![
        Mount { unit: Box::new(ModbusBoard::new(bus.clone(), 1, 8, l1).unwrap()), first_slot: 1 },
        Mount { unit: Box::new(ModbusBoard::new(bus, 2, 4, l2).unwrap()), first_slot: 9 },
    ];
    let cabinet = Cabinet::new(mounts, None).unwrap();
    ModbusRig { _dir: dir, sim, panel, cabinet }
}

#[tokio::test]
async fn modbus_opens_and_reads_two_units() {
    let r = modbus_rig();
    r.panel.set_item(3, true);
    r.panel.set_item(10, true);
    let all = r.cabinet.read_all().await.unwrap();
    assert_eq!(all.len(), 12);
    assert_eq!(all[2], st(3, false, true));
    assert_eq!(all[9], st(10, false, true));
    r.cabinet.open(3).await.unwrap();
    r.cabinet.open(10).await.unwrap();
    let all = r.cabinet.read_all().await.unwrap();
    assert_eq!(all[2], st(3, true, true));
    assert_eq!(all[9], st(10, true, true));
    assert!(!all[0].door_open && !all[8].door_open);
}

#[tokio::test]
async fn modbus_jam_faults_unplug_and_recovery() {
    let r = modbus_rig();
    r.panel.jam(2, true);
    assert_eq!(r.cabinet.open(2).await.unwrap_err().kind(), ErrorKind::Jammed);
    r.panel.jam(2, false);
    for fault in [Fault::NoAnswer, Fault::BadChecksum, Fault::PartialFrame] {
        r.sim.set_fault(fault, None);
        let e = r.cabinet.read_all().await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotResponding, "{fault:?}: {e}");
        r.sim.clear_fault();
        r.cabinet.read_all().await.unwrap();
    }
    r.sim.set_fault(Fault::Garbage, None);
    r.cabinet.open(2).await.unwrap();
    r.sim.clear_fault();

    r.sim.unplug();
    assert_eq!(r.cabinet.open(1).await.unwrap_err().kind(), ErrorKind::NotResponding);
    r.sim.replug();
    let mut recovered = false;
    for _ in 0..200 {
        if r.cabinet.read_all().await.is_ok() {
            recovered = true;
            break;
        }
        tokio::task::yield_now().await;
    }
    assert!(recovered, "the driver reopened the port after replug");
    r.cabinet.open(1).await.unwrap();
}

#[tokio::test]
async fn the_return_bin_counts_drops_from_its_sensor() {
    let r = kerong_rig();
    assert_eq!(r.cabinet.read_all().await.unwrap()[19].drop_count, 0);
    r.panel.set_item(20, true);
    assert_eq!(r.cabinet.read_all().await.unwrap()[19].drop_count, 1);
    assert_eq!(r.cabinet.read_all().await.unwrap()[19].drop_count, 1, "a full bin is not a new drop");
    r.panel.set_item(20, false);
    r.cabinet.read_all().await.unwrap();
    r.panel.set_item(20, true);
    assert_eq!(r.cabinet.read_all().await.unwrap()[19].drop_count, 2);
}

/// A board known to be silent is probed with one try, not all of a read's:
/// the engine task waits for it. The driver's error says how many tries it
/// made (settings: 1 retry, so a read makes 2).
#[tokio::test]
async fn a_probe_of_a_silent_board_is_one_try() {
    let dir = tempfile::tempdir().unwrap();
    let kerong = dir.path().join("kerong");
    let panel = Arc::new(MemPanel::new(1, 4));
    let only_0 = KerongSim::new(vec![KerongSimBoard { address: 0, first_slot: 1, channels: 4 }]);
    let _k = PtySim::start(&kerong, only_0, panel.clone()).unwrap();
    let modbus = dir.path().join("modbus");
    let l = ModbusLayout { pulse: Duration::ZERO, ..ModbusLayout::standard(4) };
    let only_1 = ModbusSim::new(vec![ModbusSimUnit { unit: 1, first_slot: 1, channels: 4, layout: l }]);
    let _m = PtySim::start(&modbus, only_1, panel).unwrap();
    let silent: [Box<dyn BoardUnit>; 2] = [
        Box::new(KerongCu::new(SerialLink::new(settings(&kerong)), 1, 4, KerongPolarity::default()).unwrap()),
        Box::new(ModbusBoard::new(SerialLink::new(LinkSettings { baud: 9600, ..settings(&modbus) }), 2, 4, l).unwrap()),
    ];
    for board in &silent {
        let read = board.read().await.unwrap_err().to_string();
        assert!(read.contains("after 2 tries"), "{read}");
        let probe = board.probe().await.unwrap_err().to_string();
        assert!(probe.contains("after 1 tries"), "{probe}");
        assert!(
            board.read().await.unwrap_err().to_string().contains("after 2 tries"),
            "a read after a probe retries again"
        );
    }
}
