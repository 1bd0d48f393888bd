const keep = [];
for (;;) { const b = Buffer.alloc(1 << 20, 1); keep.push(b); }
