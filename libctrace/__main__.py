from libctrace.cli import main

main()
