Attribute VB_Name = "MilestonesRibbon"
' Callbacks of the Milestones ribbon tab (workbook/ribbon/customUI.xml).
' Each button runs one function of the Python package through xlwings' RunPython;
' the function finds this workbook with xw.Book.caller(), so the buttons act on the
' workbook whose ribbon was clicked. The Python side is xl_milestones.excel.macros.
Option Explicit

Public Sub MilestonesRefresh(control As IRibbonControl)
    RunPython "import xl_milestones.excel.macros as m; m.refresh()"
End Sub

Public Sub MilestonesValidate(control As IRibbonControl)
    RunPython "import xl_milestones.excel.macros as m; m.validate()"
End Sub

Public Sub MilestonesPaymentSchedule(control As IRibbonControl)
    RunPython "import xl_milestones.excel.macros as m; m.payment_schedule()"
End Sub

Public Sub MilestonesSignoffPack(control As IRibbonControl)
    RunPython "import xl_milestones.excel.macros as m; m.signoff_pack()"
End Sub

Public Sub MilestonesImportFunctions(control As IRibbonControl)
    RunPython "import xl_milestones.excel.macros as m; m.import_functions()"
End Sub

Public Sub MilestonesHelp(control As IRibbonControl)
    RunPython "import xl_milestones.excel.macros as m; m.show_help()"
End Sub
