/* skeleton: replaced by its owner */
int main(void);
int main(void) { return 0; }
