import Database
import Imaging
import TimelapserCore

extension CameraRecord {
    /// The camera's `crop` and `rotate` as the transform variants and videos are made with.
    public var frameTransform: FrameTransform {
        let crop = CameraCrop.fromStored(crop).map { FrameTransform.Rect(x: $0.x, y: $0.y, width: $0.w, height: $0.h) }
        return FrameTransform(crop: crop, rotation: rotate)
    }
}
