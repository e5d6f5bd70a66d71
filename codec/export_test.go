package codec

// JSONDepth is jsonDepth, for the fuzz target in package codec_test.
var JSONDepth = jsonDepth
