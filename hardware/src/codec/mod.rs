//! Wire formats as pure functions: bytes in, frames out, no port and no
//! clock. The drivers and the board simulators share them, and the property
//! tests feed them random bytes.
//!
//! - [`kerong_cu`]: the Kerong CU lock-control frames, `02 ADDR CMD 03 SUM`.
//! - [`modbus_rtu`]: Modbus RTU requests and answers, framed by `rmodbus`,
//!   with resynchronisation for a byte stream.

pub mod kerong_cu;
pub mod modbus_rtu;
