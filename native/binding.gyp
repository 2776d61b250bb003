{
  "targets": [
    {
      "target_name": "mmap",
      "sources": ["mmap.c", "shared-buffer.cc"],
      "cflags": ["-O2", "-Wall"]
    }
  ]
}
