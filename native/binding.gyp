{
  "targets": [
    {
      "target_name": "dal_native",
      "sources": ["<!@(node -e \"console.log(require('fs').readdirSync('src').filter(f => f.endsWith('.cc')).map(f => 'src/' + f).join(' '))\")"],
      "cflags_cc": ["-O3", "-march=native", "-std=c++17", "-fno-math-errno", "-pthread"],
      "cflags_cc!": ["-fno-exceptions", "-O2"],
      "ldflags": ["-pthread"]
    }
  ]
}
