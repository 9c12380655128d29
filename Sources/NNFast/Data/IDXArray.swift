/// An n-dimensional array in the IDX format of the MNIST files.
///
/// Layout: two zero bytes, a type byte (0x08 u8, 0x09 i8, 0x0B i16, 0x0C i32, 0x0D f32,
/// 0x0E f64), a dimension count, then each dimension as a big-endian u32, then the elements
/// big-endian in row-major order.
public struct IDXArray: Equatable, Sendable {
    public enum ElementType: UInt8, CaseIterable, Sendable {
        case u8 = 0x08, i8 = 0x09, i16 = 0x0B, i32 = 0x0C, f32 = 0x0D, f64 = 0x0E

        public var byteSize: Int {
            switch self {
            case .u8, .i8: 1
            case .i16: 2
            case .i32, .f32: 4
            case .f64: 8
            }
        }

        public var isInteger: Bool { self != .f32 && self != .f64 }
    }

    public enum Elements: Equatable, Sendable {
        case u8([UInt8]), i8([Int8]), i16([Int16]), i32([Int32]), f32([Float]), f64([Double])
    }

    public let shape: [Int]
    public let elements: Elements

    public init(shape: [Int], elements: Elements) {
        self.shape = shape
        self.elements = elements
    }

    public var elementType: ElementType {
        switch elements {
        case .u8: .u8
        case .i8: .i8
        case .i16: .i16
        case .i32: .i32
        case .f32: .f32
        case .f64: .f64
        }
    }

    /// Element `index` (row-major) as an integer, for integer element types.
    func integer(at index: Int) -> Int? {
        switch elements {
        case .u8(let values): Int(values[index])
        case .i8(let values): Int(values[index])
        case .i16(let values): Int(values[index])
        case .i32(let values): Int(values[index])
        case .f32, .f64: nil
        }
    }
}
