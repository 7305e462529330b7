{
  "targets": [
    {
      "target_name": "tpod_mount",
      "sources": ["mount.c"],
      "cflags": ["-Wall", "-Wextra", "-Werror", "-O2"]
    }
  ]
}
