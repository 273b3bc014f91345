from xl_milestones.cli import main

raise SystemExit(main())
