/* skeleton: replaced by its owner */
typedef int txp__skeleton_case;
