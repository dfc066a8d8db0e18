// Lets the kernels' `__host__ __device__` code (machine.cu, records.cu) compile as host
// C++ with g++: the CUDA qualifiers mean nothing on the host.
#define __host__
#define __device__
#define __forceinline__ inline
