//! keepassxc (in progress).
