import Foundation

/// Whether a configuration file may choose where the API key goes (`base_url`, `api_key_env`): only a
/// file the user running groqbatch owns (or root does) and nobody else may write. Otherwise a
/// `./groqbatch.json` in someone else's folder, or a shared one, would send the key to a host of their
/// choosing.
enum ConfigFileOwner {
    /// Why `path` may not choose the key's destination, or nil when it may. A symbolic link counts
    /// twice: whoever owns the link can point it elsewhere.
    static func problem(_ path: String, user: uid_t = getuid()) -> String? {
        var link = stat()
        var target = stat()
        guard lstat(path, &link) == 0, stat(path, &target) == 0 else {
            return "cannot be checked (\(String(cString: strerror(errno))))"
        }
        if let owner = [link.st_uid, target.st_uid].first(where: { $0 != user && $0 != 0 }) {
            return "is owned by another user (uid \(owner))"
        }
        if target.st_mode & (S_IWGRP | S_IWOTH) != 0 { return "is writable by its group or others" }
        return nil
    }
}
