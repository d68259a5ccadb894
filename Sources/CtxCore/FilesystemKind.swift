import CSpawn

/// What kind of filesystem a path is on, as far as ctx needs to know.
public enum FilesystemKind {
  /// Whether reads under `path` can block indefinitely: it is on a network or FUSE filesystem
  /// (NFS, SMB/CIFS, FUSE, 9p, Ceph, AFS, Coda, GFS2, OCFS2, Lustre). Local disks answer or fail.
  public static func mayHang(_ path: String) -> Bool {
    let remote: Set<UInt64> = [
      0x6969, 0x517B, 0xFF53_4D42, 0xFE53_4D42, 0x6573_5546, 0x0102_1997, 0x00C3_6400, 0x5346_414F, 0x7375_7245, 0x0116_1970,
      0x7461_636F, 0x0BD0_0BD0,
    ]
    return remote.contains(UInt64(ctx_filesystem_type(path)))
  }
}
