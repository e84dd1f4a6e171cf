/// FNV-1a, 64 bits, as hex: the hash the simulator's request log gives each body, so tests can prove
/// which bytes were sent.
public enum FNV1a {
    public static func hex(_ text: String) -> String {
        var value: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 {
            value ^= UInt64(byte)
            value &*= 0x0000_0100_0000_01B3
        }
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
