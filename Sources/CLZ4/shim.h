// liblz4 from the system (Debian: liblz4-dev): the block format chunk texts are stored in.
#include <lz4.h>
